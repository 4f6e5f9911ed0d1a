import * as z from 'zod/mini';
import { once, readEnv } from '../_shared/env.ts';
import { secretSetting } from '../_shared/secrets.ts';
import { facebookProvider } from './providers/facebook.ts';
import { instagramProvider } from './providers/instagram.ts';
import { PLATFORMS, realHosts, sandboxHosts, type OAuthProvider, type Platform, type ProviderOptions } from './providers/port.ts';
import { tiktokProvider } from './providers/tiktok.ts';
import { twitterProvider } from './providers/twitter.ts';
import { youtubeProvider } from './providers/youtube.ts';

const adapters: Record<Platform, (options: ProviderOptions) => OAuthProvider> = {
  youtube: youtubeProvider, instagram: instagramProvider, tiktok: tiktokProvider, facebook: facebookProvider, twitter: twitterProvider,
};

const origin = (description: string) => z.string().check(z.maxLength(200), z.regex(/^https?:\/\/[^/?#]+(\/[^?#]*)?$/, `must be ${description} (http(s)://host[/path])`));

/**
 * The oauth feature's settings. OAUTH_REDIRECT_BASE_URL: the API's public origin, where providers send users back
 * (`<it>/oauth-<slug>-callback` is the redirect URI registered with each provider). APP_URL: the web app page a
 * user lands on afterwards, with `?connected=<slug>` or `?error=<code>`. PLATFORM_API_BASE_URL: only with the
 * platform sandbox (npm start, tests): every provider host is then `<it>/<host>`; unset in AWS (the real hosts).
 */
export const oauthSettings = once(() => {
  const env = readEnv({
    OAUTH_REDIRECT_BASE_URL: origin('the API’s public URL'),
    APP_URL: origin('the web app’s URL'),
    PLATFORM_API_BASE_URL: z.optional(origin('the platform sandbox’s URL')),
  });
  return {
    redirectBase: env.OAUTH_REDIRECT_BASE_URL.replace(/\/+$/, ''),
    appUrl: env.APP_URL,
    hosts: env.PLATFORM_API_BASE_URL ? sandboxHosts(env.PLATFORM_API_BASE_URL) : realHosts,
    /** Cookies are Secure wherever the API is served over https (everywhere but a local http gateway). */
    secureCookies: env.OAUTH_REDIRECT_BASE_URL.startsWith('https://'),
  };
});

const Client = z.object({ client_id: z.string().check(z.minLength(1)), client_secret: z.string().check(z.minLength(1)) });
/**
 * The stage's app credentials with each provider: one Secrets Manager secret (OAUTH_CLIENTS_SECRET_ARN), a JSON
 * object `{ "<slug>": { "client_id", "client_secret" } }`; a platform missing from it is not offered. Read on first
 * use and cached (_shared/secrets.ts), never from the environment.
 */
export const oauthClients = secretSetting('OAUTH_CLIENTS', z.pipe(z.string(), z.transform((raw, ctx) => {
  // The placeholder a new stage's secret holds until an operator puts the credentials: no platform yet.
  if (raw === 'unset') return {};
  try {
    return z.partialRecord(z.enum(PLATFORMS), Client).parse(JSON.parse(raw));
  } catch {
    ctx.issues.push({ code: 'custom', message: 'is not a JSON object of { "<platform>": { "client_id", "client_secret" } }', input: raw });
    return z.NEVER;
  }
})));

export const redirectUri = (platform: Platform) => `${oauthSettings().redirectBase}/oauth-${platform}-callback`;

/** The platform's adapter with this stage's credentials, or undefined when the stage has none for it. */
export async function providerFor(platform: Platform): Promise<OAuthProvider | undefined> {
  const client = (await oauthClients())[platform];
  if (!client) return undefined;
  return adapters[platform]({
    client: { clientId: client.client_id, clientSecret: client.client_secret, redirectUri: redirectUri(platform) },
    hosts: oauthSettings().hosts,
  });
}
