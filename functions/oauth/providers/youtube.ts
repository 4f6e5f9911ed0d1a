/**
 * YouTube (Google OAuth 2.0, web server flow with PKCE) and the channel the grant acts for.
 *
 * Hand-written over fetch rather than oauth4webapi: the error mapping to ProviderError is the real work here and
 * differs per provider (X answers `invalid_request` for a bad refresh token, Google's revoke answers 400 for a dead
 * token), and the library is not among the project's dependencies; the flow itself is three form posts.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { call, expiresAt, form, type ProviderAnswer } from './http.ts';
import { ProviderError, type AccountIdentity, type OAuthProvider, type ProviderOptions, type TokenSet } from './port.ts';

const SCOPE = 'https://www.googleapis.com/auth/youtube.readonly';

/** The YouTube adapter. Refreshing keeps the old refresh token (Google sends none); revoking kills the whole grant. */
export function youtubeProvider(options: ProviderOptions): OAuthProvider {
  const { client, hosts } = options;
  const now = options.now ?? Date.now;
  const tokenUrl = `${hosts('oauth2.googleapis.com')}/token`;
  const post = (url: string, fields: Record<string, string | undefined>) =>
    call('youtube', url, { method: 'POST', body: form(fields), fetch: options.fetch }, (answer) => classifyGoogleAnswer(answer, now));

  const tokenSet = (body: unknown, previousRefreshToken?: string): TokenSet => {
    const token = parse(TokenResponse, body, 'token response');
    const scopes = token.scope?.split(' ').filter(Boolean) ?? [SCOPE];
    // Granular consent lets the user untick the scope; without it the channel cannot be read.
    if (!scopes.includes(SCOPE)) throw new ProviderError('youtube', 'access_denied', 'Read access to YouTube was not granted');
    return {
      accessToken: token.access_token,
      refreshToken: token.refresh_token ?? previousRefreshToken,
      expiresAt: expiresAt(token.expires_in, now),
      refreshExpiresAt: expiresAt(token.refresh_token_expires_in, now),
      scopes,
    };
  };

  return {
    platform: 'youtube',
    scopes: [SCOPE],
    usesPkce: true,
    authorizeUrl({ state, codeVerifier }) {
      const url = new URL(`${hosts('accounts.google.com')}/o/oauth2/v2/auth`);
      url.search = new URLSearchParams({
        client_id: client.clientId, redirect_uri: client.redirectUri, response_type: 'code', scope: SCOPE, state,
        // offline: a refresh token at all; consent: one on every connect, not only the first.
        access_type: 'offline', prompt: 'consent', include_granted_scopes: 'true',
        code_challenge: createHash('sha256').update(codeVerifier).digest('base64url'), code_challenge_method: 'S256',
      }).toString();
      return url.href;
    },
    async exchangeCode(code, codeVerifier) {
      const { body } = await post(tokenUrl, {
        grant_type: 'authorization_code', code, code_verifier: codeVerifier, redirect_uri: client.redirectUri,
        client_id: client.clientId, client_secret: client.clientSecret,
      });
      return tokenSet(body);
    },
    async refresh(tokens) {
      if (!tokens.refreshToken) throw new ProviderError('youtube', 'invalid_grant', 'No refresh token is stored for this grant');
      const { body } = await post(tokenUrl, {
        grant_type: 'refresh_token', refresh_token: tokens.refreshToken, client_id: client.clientId, client_secret: client.clientSecret,
      });
      return tokenSet(body, tokens.refreshToken);
    },
    async revoke(tokens) {
      try {
        // Revoking the refresh token ends the grant and every access token issued from it.
        await post(`${hosts('oauth2.googleapis.com')}/revoke`, { token: tokens.refreshToken ?? tokens.accessToken });
      } catch (error) {
        // 400 invalid_token: expired or already revoked, which is what we wanted.
        if (!(error instanceof ProviderError && error.kind === 'invalid_grant')) throw error;
      }
    },
    async identity(tokens) {
      const url = `${hosts('www.googleapis.com')}/youtube/v3/channels?part=snippet,statistics,contentDetails&mine=true`;
      const { body } = await call('youtube', url, { headers: { authorization: `Bearer ${tokens.accessToken}` }, fetch: options.fetch },
        (answer) => classifyGoogleAnswer(answer, now));
      const [channel] = parse(ChannelList, body, 'channel list').items ?? [];
      if (!channel) throw new ProviderError('youtube', 'access_denied', 'This Google account has no YouTube channel: create one on YouTube, then connect again');
      return toIdentity(channel);
    },
  };
}

const TokenResponse = z.object({
  access_token: z.string().check(z.minLength(1)),
  token_type: z.string().check(z.refine((type) => type.toLowerCase() === 'bearer', 'not a bearer token')),
  expires_in: z.optional(z.number()),
  refresh_token: z.optional(z.string().check(z.minLength(1))),
  /** Sent only for apps in testing mode or time-limited consent. */
  refresh_token_expires_in: z.optional(z.number()),
  scope: z.optional(z.string()),
});

/** YouTube's counts are decimal strings (64-bit, but a channel's fit a double). */
const count = z.pipe(z.string().check(z.regex(/^\d+$/)), z.transform(Number));
const thumbnail = z.optional(z.object({ url: z.string() }));
const Channel = z.object({
  id: z.string().check(z.minLength(1)),
  snippet: z.object({
    title: z.string(),
    description: z.optional(z.string()),
    customUrl: z.optional(z.string()),
    thumbnails: z.optional(z.object({ default: thumbnail, medium: thumbnail, high: thumbnail })),
  }),
  statistics: z.object({
    viewCount: z.optional(count),
    subscriberCount: z.optional(count),
    hiddenSubscriberCount: z.optional(z.boolean()),
    videoCount: z.optional(count),
  }),
});
/** A Google account without a channel gets 200 with no `items` at all. */
const ChannelList = z.object({ items: z.optional(z.array(Channel)) });

function toIdentity(channel: z.output<typeof Channel>): AccountIdentity {
  const { snippet, statistics } = channel;
  const thumbnails = snippet.thumbnails;
  return {
    platformAccountId: channel.id,
    handle: snippet.customUrl?.replace(/^@/, ''),
    displayName: snippet.title,
    avatarUrl: (thumbnails?.high ?? thumbnails?.medium ?? thumbnails?.default)?.url,
    // The channel-id URL outlives a renamed handle.
    profileUrl: `https://www.youtube.com/channel/${channel.id}`,
    bio: snippet.description || undefined,
    followerCount: statistics.hiddenSubscriberCount ? undefined : statistics.subscriberCount,
    contentCount: statistics.videoCount,
    totalViews: statistics.viewCount,
  };
}

function parse<T>(schema: z.ZodMiniType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (!result.success) throw new ProviderError('youtube', 'bad_response', `Google sent a ${what} we cannot read: ${result.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  return result.data;
}

const OAuthError = z.object({ error: z.string(), error_description: z.optional(z.string()) });
const ApiError = z.object({ error: z.object({ message: z.optional(z.string()), errors: z.optional(z.array(z.object({ reason: z.optional(z.string()) }))) }) });

/**
 * Google's error bodies → ProviderError. OAuth endpoints answer `{"error":"invalid_grant"}`; the Data API answers
 * `{"error":{"errors":[{"reason"}]}}`. An API 401 means the access token is dead (revoked, or expired although the
 * feature refreshes first), so it is `invalid_grant` like a dead refresh token: the user reconnects. A spent daily
 * quota (403 quotaExceeded) is rate limiting until Google resets it at midnight Pacific time.
 */
export function classifyGoogleAnswer({ status, body }: ProviderAnswer, now: () => number): ProviderError | undefined {
  if (status < 400 || status === 429 || status >= 500) return undefined;
  const oauth = OAuthError.safeParse(body);
  if (oauth.success) {
    const { error: code, error_description: description = code } = oauth.data;
    const details = { status, providerCode: code };
    if (code === 'invalid_grant' || code === 'invalid_token') return new ProviderError('youtube', 'invalid_grant', `Google: ${description}`, details);
    // A redirect URI Google does not know is our app's configuration, like a wrong secret.
    if (code === 'invalid_client' || code === 'unauthorized_client' || code === 'redirect_uri_mismatch') return new ProviderError('youtube', 'invalid_client', `Google: ${description}`, details);
    return new ProviderError('youtube', 'bad_response', `Google: ${description}`, details);
  }
  const api = ApiError.safeParse(body);
  const reason = api.success ? api.data.error.errors?.[0]?.reason : undefined;
  const message = `YouTube answered ${status}${reason ? ` ${reason}` : ''}: ${api.success ? api.data.error.message : 'no error body'}`;
  const details = { status, providerCode: reason };
  if (status === 401) return new ProviderError('youtube', 'invalid_grant', message, details);
  if (reason === 'quotaExceeded' || reason === 'dailyLimitExceeded') return new ProviderError('youtube', 'rate_limited', message, { ...details, retryAfterSeconds: secondsUntilPacificMidnight(now()) });
  if (reason === 'rateLimitExceeded' || reason === 'userRateLimitExceeded') return new ProviderError('youtube', 'rate_limited', message, details);
  if (reason === 'insufficientPermissions') return new ProviderError('youtube', 'access_denied', message, details);
  return new ProviderError('youtube', 'bad_response', message, details);
}

/** YouTube's daily quota resets at midnight Pacific time (off by an hour on the two DST days, which is fine for a retry). */
function secondsUntilPacificMidnight(nowMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: 'America/Los_Angeles', hourCycle: 'h23', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(nowMs);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return 86_400 - (part('hour') * 3600 + part('minute') * 60 + part('second'));
}
