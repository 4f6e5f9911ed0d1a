import * as z from 'zod/mini';
import { db } from '../../_shared/db.ts';
import { logger } from '../../_shared/logger.ts';
import { defineRoute, raw, type Parsed } from '../../_shared/route.ts';
import { bindingCookie, consumeAuthorization } from '../authorization.ts';
import { oauthSettings, providerFor } from '../config.ts';
import { ConnectError, saveConnection } from '../connections.ts';
import { PLATFORM_NAMES, PLATFORMS, ProviderError, type Platform } from '../providers/port.ts';
import { tokenVault } from '../vault.ts';
import { tags } from './common.ts';

/** What providers send back (they add more, e.g. Google's `authuser`: ignored). */
export const CallbackQuery = () => {
  const param = z.optional(z.string().check(z.maxLength(4096)));
  return z.object({ code: param, state: param, error: param, error_description: param, error_reason: param, scope: param });
};

/** Every `?error=` code the app can get back, each one reason. */
export type CallbackError =
  | 'invalid_state' | 'state_expired' | 'state_used' | 'state_mismatch'
  | 'access_denied' | 'provider_error' | 'missing_code' | 'not_configured'
  | 'code_rejected' | 'account_unavailable' | 'provider_unavailable'
  | 'limit_reached' | 'account_taken' | 'server_error';

/** Where the browser goes: the app, told what happened by a fixed code, never by text from the provider or the query. */
function landing(platform: Platform, outcome: { connected: true } | { error: CallbackError }) {
  const url = new URL(oauthSettings().appUrl);
  if ('error' in outcome) {
    url.searchParams.set('error', outcome.error);
    url.searchParams.set('platform', platform);
  } else {
    url.searchParams.set('connected', platform);
  }
  // The binding cookie has done its work (or failed it): drop it.
  return raw(303, '', { location: url.href, 'set-cookie': `${bindingCookie(platform)}=; Path=/oauth-${platform}-callback; Max-Age=0; HttpOnly; SameSite=Lax` });
}

/** A provider failure as the code the user sees (the details go to the log, for operators). */
function providerFailure(error: ProviderError): CallbackError {
  switch (error.kind) {
    case 'invalid_grant': return 'code_rejected';
    case 'access_denied': return 'account_unavailable';
    case 'rate_limited': case 'unavailable': return 'provider_unavailable';
    default: return 'provider_error';
  }
}

async function connect(platform: Platform, query: Parsed<typeof CallbackQuery>, browserNonce: string | undefined): Promise<CallbackError | undefined> {
  if (!query.state) return 'invalid_state';
  const authorization = await consumeAuthorization(db(), platform, query.state, browserNonce);
  if (!authorization.ok) return authorization.failure;
  if (query.error) return query.error === 'access_denied' ? 'access_denied' : 'provider_error';
  if (!query.code) return 'missing_code';
  const provider = await providerFor(platform);
  if (!provider) return 'not_configured';
  try {
    const tokens = await provider.exchangeCode(query.code, authorization.codeVerifier);
    const identity = await provider.identity(tokens);
    const saved = await saveConnection(db(), tokenVault(), { userId: authorization.userId, platform, tokens, identity });
    logger.info('platform account connected', { platform, userId: authorization.userId, ...saved });
    return undefined;
  } catch (error) {
    if (error instanceof ConnectError) return error.code;
    if (!(error instanceof ProviderError)) throw error;
    // invalid_client is our configuration: an operator must fix it.
    (error.kind === 'invalid_client' ? logger.error : logger.warn).call(logger, 'provider refused the connection',
      { platform, kind: error.kind, status: error.details.status, providerCode: error.details.providerCode, reason: error.message });
    return providerFailure(error);
  }
}

const callbackRoute = (platform: Platform) => defineRoute({
  method: 'GET', path: `/oauth-${platform}-callback`, auth: 'public', tags, query: CallbackQuery, successStatus: 303,
  summary: `Where ${PLATFORM_NAMES[platform]} sends the browser back: saves the connection, then redirects to the app`,
  responseHeaders: {
    Location: { required: true, description: 'The app, with `?connected=<platform>` or `?error=<code>&platform=<platform>`' },
    'Set-Cookie': { required: true, description: 'Clears the browser binding cookie' },
  },
}, async ({ query, cookies }) => {
  try {
    const error = await connect(platform, query, cookies[bindingCookie(platform)]);
    return landing(platform, error ? { error } : { connected: true });
  } catch (error) {
    logger.error('oauth callback failed', { platform, error: error as Error });
    return landing(platform, { error: 'server_error' });
  }
});

export const callbackRoutes = PLATFORMS.map(callbackRoute);
