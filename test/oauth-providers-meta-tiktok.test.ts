import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { facebookProvider } from '../functions/oauth/providers/facebook.ts';
import { instagramProvider } from '../functions/oauth/providers/instagram.ts';
import { ProviderError, sandboxHosts, type ClientConfig, type OAuthProvider, type ProviderOptions } from '../functions/oauth/providers/port.ts';
import { tiktokProvider } from '../functions/oauth/providers/tiktok.ts';
import { SANDBOX_CLIENTS } from '../local/sandboxes/platforms/clients.ts';
import { facebook, facebookPage, NO_PAGE_LOGIN } from '../local/sandboxes/platforms/facebook.ts';
import { instagram, instagramProfile } from '../local/sandboxes/platforms/instagram.ts';
import { startSandbox, type PlatformSandbox } from '../local/sandboxes/platforms/server.ts';
import { tiktok, tiktokUser } from '../local/sandboxes/platforms/tiktok.ts';

const START_MS = Date.parse('2026-03-02T09:00:00.000Z');
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const VERIFIER = randomBytes(32).toString('base64url');
const STATE = 'state-3f9c';
const at = (ms: number) => new Date(ms).toISOString();

let nowMs = START_MS;
const now = () => nowMs;
let sandbox: PlatformSandbox;
beforeAll(async () => { sandbox = await startSandbox([instagram, facebook, tiktok], { now }); });
afterAll(() => sandbox?.stop());
beforeEach(() => {
  nowMs = START_MS;
  sandbox.reset();
});

const PROVIDERS = { instagram: instagramProvider, facebook: facebookProvider, tiktok: tiktokProvider };
const redirectUri = (platform: string) => `https://api.streamvibe.test/oauth-${platform}-callback`;

/** An adapter pointed at the sandbox with its registered app, as the oauth feature builds it from `oauth-clients`. */
function adapter(platform: keyof typeof PROVIDERS, client: Partial<ClientConfig> = {}): OAuthProvider {
  const options: ProviderOptions = { client: { ...SANDBOX_CLIENTS[platform], redirectUri: redirectUri(platform), ...client }, hosts: sandboxHosts(sandbox.url), now };
  return PROVIDERS[platform](options);
}

const unescapeHtml = (text: string) => text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));

/** Plays the browser: opens the authorize URL, submits the consent form as `login`, and returns where it is redirected. */
async function consent(provider: OAuthProvider, login: string, decision: 'allow' | 'deny' = 'allow'): Promise<URL> {
  const authorizeUrl = provider.authorizeUrl({ state: STATE, codeVerifier: VERIFIER });
  const page = await fetch(authorizeUrl);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  const html = await page.text();
  const action = unescapeHtml(/<form method="post" action="([^"]*)"/.exec(html)![1]!);
  const form = new URLSearchParams([...html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)]
    .map(([, name, value]) => [unescapeHtml(name!), unescapeHtml(value!)]));
  form.set('login', login);
  form.set('decision', decision);
  const answer = await fetch(new URL(action, authorizeUrl), { method: 'POST', body: form, redirect: 'manual' });
  expect(answer.status).toBe(302);
  const location = new URL(answer.headers.get('location')!);
  expect(`${location.origin}${location.pathname}`).toBe(redirectUri(provider.platform));
  return location;
}

/** Consent, then the code exchange: what the oauth feature's callback does with a provider. */
async function connect(provider: OAuthProvider, login: string) {
  const redirect = await consent(provider, login);
  return provider.exchangeCode(redirect.searchParams.get('code')!, VERIFIER);
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('Instagram adapter (Instagram Login) against the sandbox', () => {
  it('asks for instagram_business_basic alone, without PKCE, and comes back with code, state and the #_ suffix', async () => {
    const provider = adapter('instagram');
    const url = new URL(provider.authorizeUrl({ state: STATE, codeVerifier: VERIFIER }));
    expect(url.pathname).toBe('/www.instagram.com/oauth/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: SANDBOX_CLIENTS.instagram.clientId, redirect_uri: redirectUri('instagram'), response_type: 'code', scope: 'instagram_business_basic', state: STATE,
    });
    expect(provider.usesPkce).toBe(false);
    const redirect = await consent(provider, 'ig-creator');
    expect(redirect.searchParams.get('state')).toBe(STATE);
    expect(redirect.searchParams.get('code')).toMatch(/^[\w-]{20,}$/);
    expect(redirect.hash).toBe('#_');
  });

  it('trades the code for the 60-day token at once, keeps the user id exact past 2^53, and reads the account', async () => {
    const provider = adapter('instagram');
    const redirect = await consent(provider, 'ig-travel');
    const tokens = await provider.exchangeCode(`${redirect.searchParams.get('code')}#_`, '');
    const account = sandbox.state.account('instagram', 'ig-travel');
    expect(String(Number(account.id))).not.toBe(account.id);  // the sandbox sends it as a bare number: JSON.parse would round it
    expect(tokens).toStrictEqual({
      accessToken: expect.stringMatching(/^IGAA/), expiresAt: at(START_MS + 5_184_000_000), scopes: ['instagram_business_basic'], extra: { userId: account.id },
    });
    expect(sandbox.calls({ host: 'graph.instagram.com', path: '/access_token' })).toHaveLength(1);

    const profile = instagramProfile(account);
    expect(await provider.identity(tokens)).toStrictEqual({
      platformAccountId: account.id, handle: 'ig-travel', displayName: 'Ig Travel', avatarUrl: profile.profile_picture_url,
      profileUrl: 'https://www.instagram.com/ig-travel', followerCount: profile.followers_count, followingCount: profile.follows_count, contentCount: profile.media_count,
    });
  });

  it('refresh is refused while the token is under 24 h old, then restarts the 60-day clock', async () => {
    const provider = adapter('instagram');
    const tokens = await connect(provider, 'ig-creator');
    nowMs += 23 * HOUR_MS;
    const early = await failure(provider.refresh(tokens));
    expect(early).toMatchObject({ kind: 'bad_response', details: { status: 400, providerCode: '100' } });
    expect(early.message).toContain('at least 24 hours old');

    nowMs += 2 * HOUR_MS;
    const refreshed = await provider.refresh(tokens);
    expect(refreshed).toStrictEqual({ accessToken: expect.stringMatching(/^IGAA/), expiresAt: at(nowMs + 5_184_000_000), scopes: tokens.scopes, extra: tokens.extra });
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect((await provider.identity(refreshed)).handle).toBe('ig-creator');
  });

  it('an expired long-lived token is invalid_grant for identity and refresh alike', async () => {
    const provider = adapter('instagram');
    const tokens = await connect(provider, 'ig-creator');
    nowMs += 61 * DAY_MS;
    expect(await failure(provider.identity(tokens))).toMatchObject({ kind: 'invalid_grant', details: { providerCode: '190/463' } });
    expect(await failure(provider.refresh(tokens))).toMatchObject({ kind: 'invalid_grant' });
  });

  it('a reused code is invalid_grant, and a JSON body is refused (the exchange reads a form only)', async () => {
    const provider = adapter('instagram');
    const code = (await consent(provider, 'ig-creator')).searchParams.get('code')!;
    await provider.exchangeCode(code, '');
    expect(await failure(provider.exchangeCode(code, ''))).toMatchObject({ kind: 'invalid_grant', details: { status: 400, providerCode: 'OAuthException' } });

    const fresh = (await consent(provider, 'ig-creator')).searchParams.get('code')!;
    const { clientId, clientSecret } = SANDBOX_CLIENTS.instagram;
    const json = await fetch(`${sandbox.url}/api.instagram.com/oauth/access_token`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: clientId, client_secret: clientSecret, grant_type: 'authorization_code', redirect_uri: redirectUri('instagram'), code: fresh }),
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toEqual({ error_type: 'OAuthException', code: 400, error_message: 'You must provide a client_id' });
    expect((await provider.exchangeCode(fresh, '')).extra?.userId).toBe(sandbox.state.account('instagram', 'ig-creator').id);
  });

  it('an unregistered app is refused, a wrong app secret is invalid_client; the user who cancels comes back with access_denied', async () => {
    const unregistered = await fetch(adapter('instagram', { clientId: '1790000000009999' }).authorizeUrl({ state: STATE, codeVerifier: VERIFIER }));
    expect(unregistered.status).toBe(400);
    expect(await unregistered.json()).toEqual({ error_type: 'OAuthException', code: 400, error_message: 'Invalid platform app' });
    const code = (await consent(adapter('instagram'), 'ig-creator')).searchParams.get('code')!;
    expect(await failure(adapter('instagram', { clientSecret: 'not-the-secret' }).exchangeCode(code, ''))).toMatchObject({ kind: 'invalid_client' });

    const denied = await consent(adapter('instagram'), 'ig-creator', 'deny');
    expect(Object.fromEntries(denied.searchParams)).toEqual({ error: 'access_denied', error_reason: 'user_denied', error_description: 'The user denied your request.', state: STATE });
  });

  it('Graph throttling (a 400 with code 4) is rate_limited and a 5xx is unavailable', async () => {
    const provider = adapter('instagram');
    const tokens = await connect(provider, 'ig-creator');
    sandbox.inject({ host: 'graph.instagram.com', path: '/v23.0/me', status: 400,
      body: { error: { message: '(#4) Application request limit reached', type: 'OAuthException', is_transient: true, code: 4, fbtrace_id: 'AbC' } } });
    expect(await failure(provider.identity(tokens))).toMatchObject({ kind: 'rate_limited', retryable: true, details: { status: 400, providerCode: '4' } });
    sandbox.inject({ host: 'graph.instagram.com', path: '/v23.0/me', status: 502 });
    expect(await failure(provider.identity(tokens))).toMatchObject({ kind: 'unavailable', retryable: true, details: { status: 502 } });
  });

  it('accepts the older flat code-exchange answer; one without an access_token is bad_response', async () => {
    const provider = adapter('instagram');
    const { clientId, clientSecret } = SANDBOX_CLIENTS.instagram;
    const first = (await consent(provider, 'ig-travel')).searchParams.get('code')!;
    const real = await fetch(`${sandbox.url}/api.instagram.com/oauth/access_token`, {
      method: 'POST', body: new URLSearchParams({ client_id: clientId, client_secret: clientSecret, grant_type: 'authorization_code', redirect_uri: redirectUri('instagram'), code: first }),
    });
    const { data: [short] } = await real.json() as { data: [{ access_token: string }] };
    const userId = sandbox.state.account('instagram', 'ig-travel').id;
    sandbox.inject({ host: 'api.instagram.com', path: '/oauth/access_token', status: 200, headers: { 'content-type': 'application/json' },
      body: `{"access_token":"${short.access_token}","user_id":${userId}}` });
    const flat = await provider.exchangeCode((await consent(provider, 'ig-travel')).searchParams.get('code')!, '');
    expect(flat).toMatchObject({ scopes: ['instagram_business_basic'], extra: { userId } });

    sandbox.inject({ host: 'api.instagram.com', path: '/oauth/access_token', status: 200, body: { data: [{ user_id: 17841405793187218, permissions: 'instagram_business_basic' }] } });
    const code = (await consent(provider, 'ig-travel')).searchParams.get('code')!;
    expect(await failure(provider.exchangeCode(code, ''))).toMatchObject({ kind: 'bad_response', retryable: false });
  });
});

describe('Facebook adapter (Facebook Login, a Page) against the sandbox', () => {
  it('asks for the two read-only Page scopes on the versioned dialog and comes back with code, state and #_=_', async () => {
    const provider = adapter('facebook');
    const url = new URL(provider.authorizeUrl({ state: STATE, codeVerifier: VERIFIER }));
    expect(url.pathname).toBe('/www.facebook.com/v23.0/dialog/oauth');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: SANDBOX_CLIENTS.facebook.clientId, redirect_uri: redirectUri('facebook'), state: STATE, response_type: 'code', scope: 'pages_show_list,pages_read_engagement',
    });
    expect(provider.usesPkce).toBe(false);
    const redirect = await consent(provider, 'fb-creator');
    expect(redirect.searchParams.get('state')).toBe(STATE);
    expect(redirect.searchParams.get('code')).toBeTruthy();
    expect(redirect.hash).toBe('#_=_');
  });

  it('trades the code for a long-lived user token and keeps the first Page with its Page token; identity is the Page', async () => {
    const provider = adapter('facebook');
    const tokens = await connect(provider, 'fb-creator');
    const page = facebookPage(sandbox.state.account('facebook', 'fb-creator'))! as { id: string; name: string; picture: { data: { url: string } }; link: string; followers_count: number };
    expect(tokens).toStrictEqual({
      accessToken: expect.stringMatching(/^EAA/), expiresAt: at(START_MS + 5_183_944_000), scopes: ['pages_show_list', 'pages_read_engagement', 'public_profile'],
      extra: { pageId: page.id, pageToken: expect.stringMatching(/^EAA/) },
    });
    // The code, then fb_exchange_token: the short-lived token is never what we keep.
    expect(sandbox.calls({ host: 'graph.facebook.com', path: '/v23.0/oauth/access_token' })).toHaveLength(2);
    expect(await provider.identity(tokens)).toStrictEqual({
      platformAccountId: page.id, displayName: 'Fb Creator Page', avatarUrl: page.picture.data.url, profileUrl: page.link, followerCount: page.followers_count,
    });
  });

  it('refresh re-exchanges the user token for a new ~60-day one and re-reads the Page token', async () => {
    const provider = adapter('facebook');
    const tokens = await connect(provider, 'fb-creator');
    nowMs += 30 * DAY_MS;
    const refreshed = await provider.refresh(tokens);
    expect(refreshed).toStrictEqual({
      accessToken: expect.stringMatching(/^EAA/), expiresAt: at(nowMs + 5_183_944_000), scopes: tokens.scopes,
      extra: { pageId: tokens.extra!.pageId, pageToken: expect.stringMatching(/^EAA/) },
    });
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(refreshed.extra!.pageToken).not.toBe(tokens.extra!.pageToken);
    expect((await provider.identity(refreshed)).platformAccountId).toBe(tokens.extra!.pageId);
  });

  it('revoke removes the app (DELETE /me/permissions); the tokens then fail invalid_grant', async () => {
    const provider = adapter('facebook');
    const tokens = await connect(provider, 'fb-creator');
    await provider.revoke!(tokens);
    expect(sandbox.calls({ host: 'graph.facebook.com', path: '/v23.0/me/permissions', method: 'DELETE' })).toMatchObject([{ status: 200 }]);
    expect(await failure(provider.identity(tokens))).toMatchObject({ kind: 'invalid_grant', details: { providerCode: '190/458' } });
    expect(await failure(provider.refresh(tokens))).toMatchObject({ kind: 'invalid_grant' });
  });

  it('a reused code (code 100, subcode 36009) and an expired one (36007) are invalid_grant', async () => {
    const provider = adapter('facebook');
    const code = (await consent(provider, 'fb-creator')).searchParams.get('code')!;
    await provider.exchangeCode(code, '');
    const reused = await failure(provider.exchangeCode(code, ''));
    expect(reused).toMatchObject({ kind: 'invalid_grant', details: { status: 400, providerCode: '100/36009' } });
    expect(reused.message).toContain('This authorization code has been used.');

    const late = (await consent(provider, 'fb-creator')).searchParams.get('code')!;
    nowMs += 11 * 60_000;
    expect(await failure(provider.exchangeCode(late, ''))).toMatchObject({ kind: 'invalid_grant', details: { providerCode: '100/36007' } });
  });

  it('an account that manages no Page is access_denied, and says so', async () => {
    const error = await failure(connect(adapter('facebook'), NO_PAGE_LOGIN));
    expect(error.kind).toBe('access_denied');
    expect(error.message).toMatch(/manages no Page/);
  });

  it('the user who cancels comes back with access_denied, user_denied, a description and the state', async () => {
    const denied = await consent(adapter('facebook'), 'fb-creator', 'deny');
    expect(Object.fromEntries(denied.searchParams)).toEqual({
      error: 'access_denied', error_code: '200', error_description: 'Permissions error', error_reason: 'user_denied', state: STATE,
    });
  });

  it('Page throttling (code 32 on a 400) is rate_limited, a 5xx unavailable, a wrong app secret invalid_client', async () => {
    const provider = adapter('facebook');
    const tokens = await connect(provider, 'fb-creator');
    sandbox.inject({ host: 'graph.facebook.com', path: '/v23.0/me/accounts', status: 400,
      body: { error: { message: '(#32) Page request limit reached', type: 'OAuthException', code: 32, fbtrace_id: 'AbC' } } });
    expect(await failure(provider.identity(tokens))).toMatchObject({ kind: 'rate_limited', details: { status: 400, providerCode: '32' } });
    sandbox.inject({ host: 'graph.facebook.com', path: '/v23.0/oauth/access_token', status: 500 });
    expect(await failure(provider.refresh(tokens))).toMatchObject({ kind: 'unavailable' });

    const code = (await consent(provider, 'fb-creator')).searchParams.get('code')!;
    expect(await failure(adapter('facebook', { clientSecret: 'not-the-secret' }).exchangeCode(code, ''))).toMatchObject({ kind: 'invalid_client', details: { providerCode: '1' } });
  });
});

describe('TikTok adapter (Login Kit v2) against the sandbox', () => {
  it('asks for the four read scopes with client_key and a hex S256 PKCE challenge', async () => {
    const provider = adapter('tiktok');
    const url = new URL(provider.authorizeUrl({ state: STATE, codeVerifier: VERIFIER }));
    expect(url.pathname).toBe('/www.tiktok.com/v2/auth/authorize/');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_key: SANDBOX_CLIENTS.tiktok.clientId, scope: 'user.info.basic,user.info.profile,user.info.stats,video.list', response_type: 'code',
      redirect_uri: redirectUri('tiktok'), state: STATE, code_challenge: createHash('sha256').update(VERIFIER).digest('hex'), code_challenge_method: 'S256',
    });
    expect(provider.usesPkce).toBe(true);
    const redirect = await consent(provider, 'tt-creator');
    expect(redirect.searchParams.get('state')).toBe(STATE);
    expect(redirect.searchParams.get('scopes')).toBe('user.info.basic,user.info.profile,user.info.stats,video.list');
  });

  it('trades code + verifier for a 2-hour access token and a 180-day refresh token, and reads the user', async () => {
    const provider = adapter('tiktok');
    const tokens = await connect(provider, 'tt-creator');
    const account = sandbox.state.account('tiktok', 'tt-creator');
    expect(tokens).toStrictEqual({
      accessToken: expect.stringMatching(/^act\./), refreshToken: expect.stringMatching(/^rft\./), expiresAt: at(START_MS + 7_200_000),
      refreshExpiresAt: at(START_MS + 15_552_000_000), scopes: ['user.info.basic', 'user.info.profile', 'user.info.stats', 'video.list'], extra: { openId: account.id },
    });
    const user = tiktokUser(account);
    expect(await provider.identity(tokens)).toStrictEqual({
      platformAccountId: account.id, handle: 'tt-creator', displayName: 'tt creator', avatarUrl: user.avatar_url, profileUrl: 'https://www.tiktok.com/@tt-creator',
      bio: 'Sandbox creator tt-creator', followerCount: user.follower_count, followingCount: user.following_count, contentCount: user.video_count,
    });
  });

  it('an expired access token is invalid_grant; refresh rotates the refresh token and the old one is then invalid_grant', async () => {
    const provider = adapter('tiktok');
    const tokens = await connect(provider, 'tt-creator');
    nowMs += 3 * HOUR_MS;
    expect(await failure(provider.identity(tokens))).toMatchObject({ kind: 'invalid_grant', details: { status: 401, providerCode: 'access_token_invalid' } });

    const refreshed = await provider.refresh(tokens);
    expect(refreshed).toMatchObject({ expiresAt: at(nowMs + 7_200_000), refreshExpiresAt: at(nowMs + 15_552_000_000), extra: tokens.extra });
    expect(refreshed.refreshToken).not.toBe(tokens.refreshToken);
    expect((await provider.identity(refreshed)).platformAccountId).toBe(tokens.extra!.openId);
    expect(await failure(provider.refresh(tokens))).toMatchObject({ kind: 'invalid_grant', details: { status: 400, providerCode: 'invalid_grant' } });
    expect((await provider.refresh(refreshed)).refreshToken).toMatch(/^rft\./);
  });

  it('revoke ends the grant: user info and refresh then fail invalid_grant', async () => {
    const provider = adapter('tiktok');
    const tokens = await connect(provider, 'tt-creator');
    await provider.revoke!(tokens);
    expect(await failure(provider.identity(tokens))).toMatchObject({ kind: 'invalid_grant' });
    expect(await failure(provider.refresh(tokens))).toMatchObject({ kind: 'invalid_grant' });
  });

  it('a wrong PKCE verifier, another redirect_uri and a reused code are invalid_grant', async () => {
    const provider = adapter('tiktok');
    const code = (await consent(provider, 'tt-creator')).searchParams.get('code')!;
    expect(await failure(provider.exchangeCode(code, randomBytes(32).toString('base64url')))).toMatchObject({ kind: 'invalid_grant', details: { providerCode: 'invalid_grant' } });
    expect(await failure(adapter('tiktok', { redirectUri: 'https://elsewhere.test/callback' }).exchangeCode(code, VERIFIER))).toMatchObject({ kind: 'invalid_grant' });
    await provider.exchangeCode(code, VERIFIER);
    expect(await failure(provider.exchangeCode(code, VERIFIER))).toMatchObject({ kind: 'invalid_grant' });
  });

  it('the user who cancels comes back with error=access_denied and the state', async () => {
    const denied = await consent(adapter('tiktok'), 'tt-creator', 'deny');
    expect(denied.searchParams.get('error')).toBe('access_denied');
    expect(denied.searchParams.get('state')).toBe(STATE);
    expect(denied.searchParams.has('code')).toBe(false);
  });

  it('a field whose scope was not granted is access_denied (scope_not_authorized)', async () => {
    const provider = adapter('tiktok');
    const tokens = await connect(provider, 'tt-creator');
    sandbox.state.tokens.get(tokens.accessToken)!.scopes = ['user.info.basic', 'video.list'];  // the user unticked profile and stats
    expect(await failure(provider.identity(tokens))).toMatchObject({ kind: 'access_denied', details: { status: 401, providerCode: 'scope_not_authorized' } });
  });

  it('rate_limit_exceeded keeps its Retry-After, a 5xx is unavailable, a wrong client secret invalid_client', async () => {
    const provider = adapter('tiktok');
    const tokens = await connect(provider, 'tt-creator');
    sandbox.inject({ host: 'open.tiktokapis.com', path: '/v2/user/info/', status: 429, headers: { 'retry-after': '30' },
      body: { data: {}, error: { code: 'rate_limit_exceeded', message: 'The API rate limit was exceeded.', log_id: '2026' } } });
    expect(await failure(provider.identity(tokens))).toMatchObject({ kind: 'rate_limited', details: { status: 429, retryAfterSeconds: 30 } });
    sandbox.inject({ host: 'open.tiktokapis.com', path: '/v2/oauth/token/', status: 503 });
    expect(await failure(provider.refresh(tokens))).toMatchObject({ kind: 'unavailable' });

    const code = (await consent(provider, 'tt-creator')).searchParams.get('code')!;
    expect(await failure(adapter('tiktok', { clientSecret: 'not-the-secret' }).exchangeCode(code, VERIFIER)))
      .toMatchObject({ kind: 'invalid_client', details: { status: 401, providerCode: 'invalid_client' } });
  });
});
