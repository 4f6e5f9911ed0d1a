import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError, realHosts, sandboxHosts, type OAuthProvider, type Platform, type TokenSet } from '../functions/oauth/providers/port.ts';
import { twitterProvider } from '../functions/oauth/providers/twitter.ts';
import { youtubeProvider } from '../functions/oauth/providers/youtube.ts';
import { SANDBOX_CLIENTS } from '../local/sandboxes/platforms/clients.ts';
import { google, GOOGLE_HIDDEN_SUBSCRIBERS_LOGIN, GOOGLE_NO_CHANNEL_LOGIN, youtubeChannelId } from '../local/sandboxes/platforms/google.ts';
import { startSandbox, type PlatformSandbox } from '../local/sandboxes/platforms/server.ts';
import { x, xUserId } from '../local/sandboxes/platforms/x.ts';

/** 15:00 UTC is 08:00 in Los Angeles (PDT): YouTube's quota resets in 16 h. */
const START_MS = Date.parse('2026-03-10T15:00:00Z');
const YOUTUBE_SCOPE = 'https://www.googleapis.com/auth/youtube.readonly';
/** RFC 7636 Appendix B: this verifier's S256 challenge. */
const RFC_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const RFC_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

let nowMs = START_MS;
const now = () => nowMs;
let sandbox: PlatformSandbox;
let youtube: OAuthProvider;
let twitter: OAuthProvider;
const client = (platform: Platform) => ({ ...SANDBOX_CLIENTS[platform], redirectUri: `http://localhost:3000/oauth-${platform}-callback` });

beforeAll(async () => {
  sandbox = await startSandbox([google, x], { now });
  youtube = youtubeProvider({ client: client('youtube'), hosts: sandboxHosts(sandbox.url), now });
  twitter = twitterProvider({ client: client('twitter'), hosts: sandboxHosts(sandbox.url), now });
});
afterAll(() => sandbox.stop());
beforeEach(() => {
  nowMs = START_MS;
  sandbox.reset();
});

/**
 * What a browser does with an authorize URL: load the consent page, fill in the login, press Allow or Cancel, and
 * stop at the provider's redirect. `override` changes a posted field, as a person unticking a scope would.
 */
async function consent(authorizeUrl: string, login: string, decision: 'allow' | 'deny', override: Record<string, string> = {}): Promise<URL> {
  const page = await fetch(authorizeUrl);
  const html = await page.text();
  expect(page.status, html).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  const unescape = (text: string) => text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
  const action = unescape(/<form method="post" action="([^"]*)"/.exec(html)![1]!);
  const fields = new URLSearchParams([...html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map(([, name, value]) => [unescape(name!), unescape(value!)]));
  fields.set('login', login);
  fields.set('decision', decision);
  for (const [name, value] of Object.entries(override)) fields.set(name, value);
  const response = await fetch(new URL(action, page.url), { method: 'POST', body: fields, redirect: 'manual' });
  expect(response.status, await response.text()).toBe(302);
  return new URL(response.headers.get('location')!);
}

/** The whole connect flow for `login`: authorize, consent, check the callback, exchange the code. */
async function connect(provider: OAuthProvider, login: string): Promise<TokenSet> {
  const codeVerifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const callback = await consent(provider.authorizeUrl({ state, codeVerifier }), login, 'allow');
  expect(callback.searchParams.get('state')).toBe(state);
  return provider.exchangeCode(callback.searchParams.get('code')!, codeVerifier);
}

/** The ProviderError a call fails with (and a test failure if it succeeds or throws anything else). */
async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

const codeFor = async (provider: OAuthProvider, codeVerifier: string, login = 'creator') =>
  (await consent(provider.authorizeUrl({ state: 's', codeVerifier }), login, 'allow')).searchParams.get('code')!;

describe('youtubeProvider (functions/oauth/providers/youtube.ts) against the Google sandbox, over HTTP', () => {
  it('asks Google for youtube.readonly only, offline access, a consent prompt and an S256 PKCE challenge', () => {
    const url = new URL(youtubeProvider({ client: client('youtube'), hosts: realHosts }).authorizeUrl({ state: 'st-1', codeVerifier: RFC_VERIFIER }));

    expect(`${url.origin}${url.pathname}`).toBe('https://accounts.google.com/o/oauth2/v2/auth');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: SANDBOX_CLIENTS.youtube.clientId, redirect_uri: 'http://localhost:3000/oauth-youtube-callback', response_type: 'code',
      scope: YOUTUBE_SCOPE, state: 'st-1', access_type: 'offline', prompt: 'consent', include_granted_scopes: 'true',
      code_challenge: RFC_CHALLENGE, code_challenge_method: 'S256',
    });
  });

  it('connects a channel: consent, callback with code/state/scope, tokens of 3599 s, and the channel with numeric counts', async () => {
    const codeVerifier = randomBytes(32).toString('base64url');
    const callback = await consent(youtube.authorizeUrl({ state: 'st-2', codeVerifier }), 'creator', 'allow');
    expect(`${callback.origin}${callback.pathname}`).toBe('http://localhost:3000/oauth-youtube-callback');
    expect(callback.searchParams.get('state')).toBe('st-2');
    expect(callback.searchParams.get('scope')).toBe(YOUTUBE_SCOPE);

    const tokens = await youtube.exchangeCode(callback.searchParams.get('code')!, codeVerifier);
    const identity = await youtube.identity(tokens);

    expect(tokens).toEqual({
      accessToken: expect.stringMatching(/^ya29\./), refreshToken: expect.stringMatching(/^1\/\//),
      expiresAt: new Date(START_MS + 3599_000).toISOString(), refreshExpiresAt: undefined, scopes: [YOUTUBE_SCOPE],
    });
    // The id a stored connection is keyed by: the same for this login on every run.
    expect(identity.platformAccountId).toBe('UC21291306274113162');
    expect(identity.platformAccountId).toBe(youtubeChannelId(sandbox.state, 'creator'));
    expect(identity).toMatchObject({
      handle: 'creator', displayName: 'Creator', profileUrl: 'https://www.youtube.com/channel/UC21291306274113162',
      avatarUrl: 'https://yt3.ggpht.com/sandbox-UC21291306274113162=s800-c-k-c0x00ffffff-no-rj', bio: 'Videos by Creator (a sandbox channel).',
    });
    for (const count of [identity.followerCount, identity.contentCount, identity.totalViews]) expect(Number.isInteger(count)).toBe(true);
    // YouTube shows subscribers to three significant figures.
    expect(String(identity.followerCount)).toMatch(/^\d{1,3}0*$/);
    expect(identity.followingCount).toBeUndefined();
    expect(await youtube.identity(await connect(youtube, 'creator'))).toEqual(identity);
    expect((await youtube.identity(await connect(youtube, 'someone-else'))).platformAccountId).not.toBe(identity.platformAccountId);
  });

  it('refreshes: a new access token, the refresh token kept (Google sends none); an expired access token fails as invalid_grant', async () => {
    const tokens = await connect(youtube, 'creator');
    nowMs += 3600_000;

    expect((await failure(youtube.identity(tokens))).kind).toBe('invalid_grant');
    const refreshed = await youtube.refresh(tokens);

    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(refreshed.refreshToken).toBe(tokens.refreshToken);
    expect(refreshed.expiresAt).toBe(new Date(nowMs + 3599_000).toISOString());
    expect((await youtube.identity(refreshed)).handle).toBe('creator');
  });

  it('revokes the grant: identity and refresh then fail as invalid_grant, and revoking a dead grant again is not an error', async () => {
    const tokens = await connect(youtube, 'creator');

    await youtube.revoke!(tokens);

    expect(await failure(youtube.identity(tokens))).toMatchObject({ kind: 'invalid_grant', details: { status: 401, providerCode: 'authError' } });
    expect(await failure(youtube.refresh(tokens))).toMatchObject({ kind: 'invalid_grant', details: { status: 400, providerCode: 'invalid_grant' } });
    await youtube.revoke!(tokens);
    expect(sandbox.calls({ host: 'oauth2.googleapis.com', path: '/revoke' }).map((c) => c.status)).toEqual([200, 400]);
  });

  it('sends the user back with error=access_denied and the state when they cancel', async () => {
    const callback = await consent(youtube.authorizeUrl({ state: 'st-3', codeVerifier: RFC_VERIFIER }), 'creator', 'deny');

    expect(Object.fromEntries(callback.searchParams)).toEqual({ error: 'access_denied', state: 'st-3' });
  });

  it('rejects a reused code, a wrong PKCE verifier and a code older than 10 minutes as invalid_grant', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const reused = await codeFor(youtube, verifier);
    await youtube.exchangeCode(reused, verifier);
    const wrongVerifier = await codeFor(youtube, verifier);
    const expired = await codeFor(youtube, verifier);

    expect(await failure(youtube.exchangeCode(reused, verifier))).toMatchObject({ kind: 'invalid_grant', details: { providerCode: 'invalid_grant' } });
    expect((await failure(youtube.exchangeCode(wrongVerifier, RFC_VERIFIER))).message).toBe('Google: Invalid code verifier.');
    nowMs += 601_000;
    expect((await failure(youtube.exchangeCode(expired, verifier))).kind).toBe('invalid_grant');
  });

  it('reports a wrong client secret as invalid_client, and an unknown client id gets Google\'s error page', async () => {
    const wrongSecret = youtubeProvider({ client: { ...client('youtube'), clientSecret: 'not-it' }, hosts: sandboxHosts(sandbox.url), now });
    const verifier = randomBytes(32).toString('base64url');

    expect(await failure(wrongSecret.exchangeCode(await codeFor(youtube, verifier), verifier))).toMatchObject({ kind: 'invalid_client', details: { status: 401 } });
    const page = await fetch(youtubeProvider({ client: { ...client('youtube'), clientId: 'nobody.apps.googleusercontent.com' }, hosts: sandboxHosts(sandbox.url) })
      .authorizeUrl({ state: 's', codeVerifier: verifier }));
    expect(page.status).toBe(401);
    expect(await page.text()).toContain('Error 401: invalid_client');
  });

  it('fails as access_denied for a Google account without a channel, or a consent without youtube.readonly', async () => {
    const noChannel = await connect(youtube, GOOGLE_NO_CHANNEL_LOGIN);
    const verifier = randomBytes(32).toString('base64url');
    const callback = await consent(youtube.authorizeUrl({ state: 's', codeVerifier: verifier }), 'creator', 'allow', { scope: 'email' });

    expect(await failure(youtube.identity(noChannel))).toMatchObject({ kind: 'access_denied', message: expect.stringContaining('no YouTube channel') });
    expect((await failure(youtube.exchangeCode(callback.searchParams.get('code')!, verifier))).kind).toBe('access_denied');
  });

  it('leaves followerCount out when the channel hides its subscriber count', async () => {
    const identity = await youtube.identity(await connect(youtube, GOOGLE_HIDDEN_SUBSCRIBERS_LOGIN));

    expect(identity.followerCount).toBeUndefined();
    expect(identity.contentCount).toEqual(expect.any(Number));
    // Even when Google sends a count with the flag (the owner may see it), a hidden count is not shown.
    sandbox.inject({ host: 'www.googleapis.com', path: '/youtube/v3/channels', status: 200, body: { items: [{ id: 'UCx', snippet: { title: 'T' },
      statistics: { viewCount: '5', subscriberCount: '1230', hiddenSubscriberCount: true, videoCount: '2' } }] } });
    expect(await youtube.identity(await connect(youtube, 'creator'))).toMatchObject({ platformAccountId: 'UCx', followerCount: undefined, totalViews: 5 });
  });

  it('maps throttling and outages: 429 → rate_limited with Retry-After, quotaExceeded → until midnight Pacific, 503 → unavailable', async () => {
    const tokens = await connect(youtube, 'creator');
    sandbox.inject({ host: 'oauth2.googleapis.com', path: '/token', status: 429, headers: { 'retry-after': '30' }, body: { error: 'rate_limit_exceeded' } });
    sandbox.inject({ host: 'www.googleapis.com', path: '/youtube/v3/channels', status: 403,
      body: { error: { code: 403, message: 'The request cannot be completed because you have exceeded your quota.', errors: [{ message: 'quota', domain: 'youtube.quota', reason: 'quotaExceeded' }] } } });
    sandbox.inject({ host: 'www.googleapis.com', path: '/youtube/v3/*', status: 503, body: { error: { code: 503, message: 'The service is currently unavailable.' } } });

    expect(await failure(youtube.refresh(tokens))).toMatchObject({ kind: 'rate_limited', details: { status: 429, retryAfterSeconds: 30 } });
    expect(await failure(youtube.identity(tokens))).toMatchObject({ kind: 'rate_limited', details: { providerCode: 'quotaExceeded', retryAfterSeconds: 16 * 3600 } });
    const outage = await failure(youtube.identity(tokens));
    expect(outage).toMatchObject({ kind: 'unavailable', details: { status: 503 } });
    expect(outage.retryable).toBe(true);
  });
  it('does not trust an answer it cannot read: a token answer without access_token or a channel without an id is bad_response', async () => {
    const tokens = await connect(youtube, 'creator');
    sandbox.inject({ host: 'oauth2.googleapis.com', path: '/token', status: 200, body: { expires_in: 3599, token_type: 'Bearer', scope: YOUTUBE_SCOPE } });
    sandbox.inject({ host: 'www.googleapis.com', path: '/youtube/v3/channels', status: 200, body: { items: [{ snippet: { title: 'T' }, statistics: {} }] } });

    expect(await failure(youtube.refresh(tokens))).toMatchObject({ kind: 'bad_response', message: expect.stringContaining('access_token') });
    expect(await failure(youtube.identity(tokens))).toMatchObject({ kind: 'bad_response', message: expect.stringContaining('items.0.id') });
  });
});

describe('the Google sandbox (local/sandboxes/platforms/google.ts): what the adapter relies on', () => {
  it('gives a refresh token only to an access_type=offline request', async () => {
    const online = new URL(youtube.authorizeUrl({ state: 's', codeVerifier: RFC_VERIFIER }));
    online.searchParams.delete('access_type');
    const code = (await consent(online.href, 'creator', 'allow')).searchParams.get('code')!;

    const tokens = await youtube.exchangeCode(code, RFC_VERIFIER);

    expect(tokens.refreshToken).toBeUndefined();
    expect(tokens.accessToken).toMatch(/^ya29\./);
  });
});

describe('twitterProvider (functions/oauth/providers/twitter.ts) against the X sandbox, over HTTP', () => {
  it('asks X for tweet.read users.read offline.access with an S256 PKCE challenge', () => {
    const url = new URL(twitterProvider({ client: client('twitter'), hosts: realHosts }).authorizeUrl({ state: 'st-1', codeVerifier: RFC_VERIFIER }));

    expect(`${url.origin}${url.pathname}`).toBe('https://x.com/i/oauth2/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code', client_id: SANDBOX_CLIENTS.twitter.clientId, redirect_uri: 'http://localhost:3000/oauth-twitter-callback',
      scope: 'tweet.read users.read offline.access', state: 'st-1', code_challenge: RFC_CHALLENGE, code_challenge_method: 'S256',
    });
  });

  it('connects a user: consent, callback with code and state, tokens of 7200 s, and the user with public metrics', async () => {
    const codeVerifier = randomBytes(32).toString('base64url');
    const callback = await consent(twitter.authorizeUrl({ state: 'st-2', codeVerifier }), 'creator', 'allow');
    expect([...callback.searchParams.keys()].sort()).toEqual(['code', 'state']);

    const tokens = await twitter.exchangeCode(callback.searchParams.get('code')!, codeVerifier);
    const identity = await twitter.identity(tokens);

    expect(tokens).toEqual({
      accessToken: expect.any(String), refreshToken: expect.any(String), expiresAt: new Date(START_MS + 7200_000).toISOString(),
      scopes: ['tweet.read', 'users.read', 'offline.access'],
    });
    expect(identity.platformAccountId).toBe('15958968350834366');
    expect(identity.platformAccountId).toBe(xUserId(sandbox.state, 'creator'));
    expect(identity).toMatchObject({
      handle: 'creator', displayName: 'Creator', profileUrl: 'https://x.com/creator', bio: 'Creator posts here (a sandbox account).',
      avatarUrl: expect.stringMatching(/^https:\/\/pbs\.twimg\.com\/profile_images\/\d+\/creator_400x400\.jpg$/),
    });
    for (const count of [identity.followerCount, identity.followingCount, identity.contentCount]) expect(Number.isInteger(count)).toBe(true);
    expect(await twitter.identity(await connect(twitter, 'creator'))).toEqual(identity);
  });

  it('rotates the refresh token: the new one works, the old one then fails as invalid_grant', async () => {
    const tokens = await connect(twitter, 'creator');

    const refreshed = await twitter.refresh(tokens);

    expect(refreshed.refreshToken).toEqual(expect.any(String));
    expect(refreshed.refreshToken).not.toBe(tokens.refreshToken);
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(await failure(twitter.refresh(tokens))).toMatchObject({ kind: 'invalid_grant', details: { status: 400, providerCode: 'invalid_request' } });
    expect((await twitter.identity(await twitter.refresh(refreshed))).handle).toBe('creator');
  });

  it('revokes the grant: identity (401 problem JSON) and refresh then fail as invalid_grant', async () => {
    const tokens = await connect(twitter, 'creator');

    await twitter.revoke!(tokens);

    expect(await failure(twitter.identity(tokens))).toMatchObject({ kind: 'invalid_grant', details: { status: 401 }, message: 'X answered 401: Unauthorized' });
    expect((await failure(twitter.refresh(tokens))).kind).toBe('invalid_grant');
  });

  it('sends the user back with error=access_denied and the state when they cancel', async () => {
    const callback = await consent(twitter.authorizeUrl({ state: 'st-3', codeVerifier: RFC_VERIFIER }), 'creator', 'deny');

    expect(Object.fromEntries(callback.searchParams)).toEqual({ error: 'access_denied', state: 'st-3' });
  });

  it('rejects a reused code, a wrong PKCE verifier and a code older than 30 s as invalid_grant', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const reused = await codeFor(twitter, verifier);
    await twitter.exchangeCode(reused, verifier);
    const wrongVerifier = await codeFor(twitter, verifier);
    const expired = await codeFor(twitter, verifier);

    expect(await failure(twitter.exchangeCode(reused, verifier))).toMatchObject({ kind: 'invalid_grant', details: { providerCode: 'invalid_request' } });
    expect((await failure(twitter.exchangeCode(wrongVerifier, RFC_VERIFIER))).kind).toBe('invalid_grant');
    nowMs += 31_000;
    expect((await failure(twitter.exchangeCode(expired, verifier))).kind).toBe('invalid_grant');
  });

  it('shows X\'s error page for an authorize request without PKCE or from an unknown app', async () => {
    const withoutPkce = new URL(twitter.authorizeUrl({ state: 's', codeVerifier: RFC_VERIFIER }));
    withoutPkce.searchParams.delete('code_challenge');
    const unknownApp = new URL(twitter.authorizeUrl({ state: 's', codeVerifier: RFC_VERIFIER }));
    unknownApp.searchParams.set('client_id', 'bm9ib2R5');

    for (const url of [withoutPkce, unknownApp]) {
      const page = await fetch(url);
      expect(page.status).toBe(400);
      expect(await page.text()).toContain('Something went wrong');
    }
  });

  it('reports a wrong client secret (HTTP Basic) as invalid_client', async () => {
    const wrongSecret = twitterProvider({ client: { ...client('twitter'), clientSecret: 'not-it' }, hosts: sandboxHosts(sandbox.url), now });
    const verifier = randomBytes(32).toString('base64url');

    expect(await failure(wrongSecret.exchangeCode(await codeFor(twitter, verifier), verifier)))
      .toMatchObject({ kind: 'invalid_client', details: { status: 401, providerCode: 'unauthorized_client' } });
  });

  it('maps a 429 to rate_limited until x-rate-limit-reset, and a 503 to unavailable', async () => {
    const tokens = await connect(twitter, 'creator');
    const resetSeconds = START_MS / 1000 + 900;
    sandbox.inject({ host: 'api.x.com', path: '/2/users/me', status: 429, body: { title: 'Too Many Requests', type: 'about:blank', status: 429, detail: 'Too Many Requests' },
      headers: { 'x-rate-limit-limit': '75', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(resetSeconds) } });
    sandbox.inject({ host: 'api.x.com', path: '/2/oauth2/token', status: 503, body: { title: 'Service Unavailable', status: 503 } });

    expect(await failure(twitter.identity(tokens))).toMatchObject({ kind: 'rate_limited', details: { status: 429, retryAfterSeconds: 900 } });
    expect(await failure(twitter.refresh(tokens))).toMatchObject({ kind: 'unavailable', details: { status: 503 } });
  });

  it('does not trust an answer it cannot read: a token answer without access_token or a 200 with only errors[] is bad_response', async () => {
    const tokens = await connect(twitter, 'creator');
    sandbox.inject({ host: 'api.x.com', path: '/2/oauth2/token', status: 200, body: { token_type: 'bearer', expires_in: 7200, scope: 'users.read' } });
    sandbox.inject({ host: 'api.x.com', path: '/2/users/me', status: 200, body: { errors: [{ title: 'Not Found Error', detail: 'Could not find user.' }] } });

    expect(await failure(twitter.refresh(tokens))).toMatchObject({ kind: 'bad_response', message: expect.stringContaining('access_token') });
    expect((await failure(twitter.identity(tokens))).kind).toBe('bad_response');
  });
});
