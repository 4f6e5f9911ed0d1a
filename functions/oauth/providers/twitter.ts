/**
 * X (Twitter) OAuth 2.0 authorization code flow with PKCE, as a confidential client, and the user the grant acts for.
 *
 * Hand-written over fetch rather than oauth4webapi: X breaks the standard error codes the library would classify
 * (`invalid_request` for a spent code or refresh token), the error mapping is the real work, and the library is not
 * among the project's dependencies; the flow itself is three form posts.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { call, expiresAt, form, type ProviderAnswer } from './http.ts';
import { ProviderError, type AccountIdentity, type OAuthProvider, type ProviderOptions, type TokenSet } from './port.ts';

/** offline.access is what gets a refresh token; without it the access token dies after two hours. */
const SCOPES = ['tweet.read', 'users.read', 'offline.access'] as const;
const USER_FIELDS = 'profile_image_url,public_metrics,description,username,name';

/** The X adapter. Refresh tokens rotate: each refresh returns a new one and the old one stops working. */
export function twitterProvider(options: ProviderOptions): OAuthProvider {
  const { client, hosts } = options;
  const now = options.now ?? Date.now;
  const api = hosts('api.x.com');
  // Confidential clients authenticate with HTTP Basic on the token and revoke endpoints.
  const basic = `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`;
  const post = (path: string, fields: Record<string, string | undefined>) =>
    call('twitter', `${api}${path}`, { method: 'POST', headers: { authorization: basic }, body: form(fields), fetch: options.fetch },
      (answer) => classifyXAnswer(answer, now));

  const tokenSet = (body: unknown): TokenSet => {
    const token = parse(TokenResponse, body, 'token response');
    return {
      accessToken: token.access_token,
      refreshToken: token.refresh_token,
      expiresAt: expiresAt(token.expires_in, now),
      scopes: token.scope?.split(' ').filter(Boolean) ?? [...SCOPES],
    };
  };

  return {
    platform: 'twitter',
    scopes: SCOPES,
    usesPkce: true,
    authorizeUrl({ state, codeVerifier }) {
      const url = new URL(`${hosts('x.com')}/i/oauth2/authorize`);
      url.search = new URLSearchParams({
        response_type: 'code', client_id: client.clientId, redirect_uri: client.redirectUri, scope: SCOPES.join(' '), state,
        code_challenge: createHash('sha256').update(codeVerifier).digest('base64url'), code_challenge_method: 'S256',
      }).toString();
      return url.href;
    },
    async exchangeCode(code, codeVerifier) {
      const { body } = await post('/2/oauth2/token', {
        grant_type: 'authorization_code', code, code_verifier: codeVerifier, redirect_uri: client.redirectUri, client_id: client.clientId,
      });
      return tokenSet(body);
    },
    async refresh(tokens) {
      if (!tokens.refreshToken) throw new ProviderError('twitter', 'invalid_grant', 'No refresh token is stored for this grant');
      const { body } = await post('/2/oauth2/token', { grant_type: 'refresh_token', refresh_token: tokens.refreshToken, client_id: client.clientId });
      return tokenSet(body);
    },
    async revoke(tokens) {
      // Revoking the refresh token ends the grant (RFC 7009 §2.1); an access token alone would leave it alive.
      const [token, hint] = tokens.refreshToken ? [tokens.refreshToken, 'refresh_token'] : [tokens.accessToken, 'access_token'];
      try {
        await post('/2/oauth2/revoke', { token, token_type_hint: hint, client_id: client.clientId });
      } catch (error) {
        if (!(error instanceof ProviderError && error.kind === 'invalid_grant')) throw error;
      }
    },
    async identity(tokens) {
      const { body } = await call('twitter', `${api}/2/users/me?user.fields=${USER_FIELDS}`,
        { headers: { authorization: `Bearer ${tokens.accessToken}` }, fetch: options.fetch }, (answer) => classifyXAnswer(answer, now));
      return toIdentity(parse(UserResponse, body, 'user').data);
    },
  };
}

const TokenResponse = z.object({
  access_token: z.string().check(z.minLength(1)),
  token_type: z.string().check(z.refine((type) => type.toLowerCase() === 'bearer', 'not a bearer token')),
  expires_in: z.optional(z.number()),
  refresh_token: z.optional(z.string().check(z.minLength(1))),
  scope: z.optional(z.string()),
});

const count = z.optional(z.number().check(z.int(), z.nonnegative()));
const User = z.object({
  id: z.string().check(z.regex(/^\d+$/)),
  name: z.string(),
  username: z.string().check(z.minLength(1)),
  description: z.optional(z.string()),
  profile_image_url: z.optional(z.string()),
  public_metrics: z.optional(z.object({ followers_count: count, following_count: count, tweet_count: count })),
});
/** A partial failure comes back 200 with `errors[]` and no `data`: unreadable for us. */
const UserResponse = z.object({ data: User });

function toIdentity(user: z.output<typeof User>): AccountIdentity {
  return {
    platformAccountId: user.id,
    handle: user.username,
    displayName: user.name,
    // X sends the 48 px `_normal` variant; `_400x400` is the same image at the size a profile shows.
    avatarUrl: user.profile_image_url?.replace(/_normal(\.\w+)$/, '_400x400$1'),
    profileUrl: `https://x.com/${user.username}`,
    bio: user.description || undefined,
    followerCount: user.public_metrics?.followers_count,
    followingCount: user.public_metrics?.following_count,
    contentCount: user.public_metrics?.tweet_count,
  };
}

function parse<T>(schema: z.ZodMiniType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (!result.success) throw new ProviderError('twitter', 'bad_response', `X sent a ${what} we cannot read: ${result.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  return result.data;
}

const OAuthError = z.object({ error: z.string(), error_description: z.optional(z.string()) });
const Problem = z.object({ title: z.optional(z.string()), detail: z.optional(z.string()), type: z.optional(z.string()) });

/**
 * X's error bodies → ProviderError. The token endpoint says `invalid_request` ("Value passed for the token was
 * invalid.") for a spent, expired or revoked code or refresh token, so that is `invalid_grant` here: our requests are
 * built by code, and a malformed one would fail every test. `unauthorized_client` is a bad client secret. The API
 * answers problem JSON; its 401 means the access token is dead (the user reconnects). A 429 waits until
 * `x-rate-limit-reset` (epoch seconds).
 */
export function classifyXAnswer({ status, headers, body }: ProviderAnswer, now: () => number): ProviderError | undefined {
  if (status === 429) {
    const resetSeconds = Number(headers.get('x-rate-limit-reset'));
    // Without the header, http.ts reads Retry-After.
    if (!Number.isFinite(resetSeconds) || resetSeconds <= 0) return undefined;
    const retryAfterSeconds = Math.max(1, Math.ceil(resetSeconds - now() / 1000));
    return new ProviderError('twitter', 'rate_limited', 'X is rate limiting us', { status, retryAfterSeconds });
  }
  if (status < 400 || status >= 500) return undefined;
  const oauth = OAuthError.safeParse(body);
  if (oauth.success) {
    const { error: code, error_description: description = code } = oauth.data;
    const details = { status, providerCode: code };
    if (code === 'invalid_request' || code === 'invalid_grant') return new ProviderError('twitter', 'invalid_grant', `X: ${description}`, details);
    if (code === 'unauthorized_client' || code === 'invalid_client') return new ProviderError('twitter', 'invalid_client', `X: ${description}`, details);
    return new ProviderError('twitter', 'bad_response', `X: ${description}`, details);
  }
  const problem = Problem.safeParse(body);
  const message = `X answered ${status}: ${problem.success ? problem.data.detail ?? problem.data.title : 'no error body'}`;
  if (status === 401) return new ProviderError('twitter', 'invalid_grant', message, { status });
  // An app not attached to a Project (or without API access) is ours to fix; other 403s are the user's scopes or account.
  if (problem.success && problem.data.type?.endsWith('/client-forbidden')) return new ProviderError('twitter', 'invalid_client', message, { status });
  if (status === 403) return new ProviderError('twitter', 'access_denied', message, { status });
  return new ProviderError('twitter', 'bad_response', message, { status });
}
