import * as z from 'zod/mini';
import { db } from '../../_shared/db.ts';
import { NotFoundError } from '../../_shared/errors.ts';
import { defineRoute, raw } from '../../_shared/route.ts';
import { bindingCookie, startAuthorization, STATE_TTL_SECONDS } from '../authorization.ts';
import { oauthSettings, providerFor } from '../config.ts';
import { PLATFORM_NAMES, PLATFORMS, type Platform } from '../providers/port.ts';
import { tags } from './common.ts';

export const InitResponse = () => z.object({
  authorization_url: z.string().check(z.url()),
  state: z.string(),
});

/**
 * The HttpOnly cookie that binds the authorization to this browser: sent back only to the callback (its path), only
 * on the provider's top-level redirect (SameSite=Lax), gone after the state's lifetime.
 */
const cookie = (platform: Platform, nonce: string) => [`${bindingCookie(platform)}=${nonce}`, `Path=/oauth-${platform}-callback`,
  `Max-Age=${STATE_TTL_SECONDS}`, 'HttpOnly', 'SameSite=Lax', ...(oauthSettings().secureCookies ? ['Secure'] : [])].join('; ');

const initRoute = (platform: Platform) => defineRoute({
  method: 'GET', path: `/oauth-${platform}-init`, auth: 'user', tags, response: InitResponse,
  summary: `Start connecting a ${PLATFORM_NAMES[platform]} account: the provider’s consent page to send the browser to`,
  responseHeaders: { 'Set-Cookie': { required: true, description: 'Binds the authorization to this browser (HttpOnly, for the callback only)' } },
}, async ({ claims }) => {
  const provider = await providerFor(platform);
  if (!provider) throw new NotFoundError(`${PLATFORM_NAMES[platform]} connections are not set up on this deployment`);
  const started = await startAuthorization(db(), claims.sub, platform);
  const body = { authorization_url: provider.authorizeUrl({ state: started.state, codeVerifier: started.codeVerifier }), state: started.state };
  return raw(200, JSON.stringify(body), { 'content-type': 'application/json; charset=utf-8', 'set-cookie': cookie(platform, started.browserNonce) });
});

export const initRoutes = PLATFORMS.map(initRoute);
