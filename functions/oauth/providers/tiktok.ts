/**
 * TikTok Login Kit v2. Hand-written over fetch: TikTok publishes no Node SDK, and a standards OAuth client cannot speak
 * its deviations (`client_key` instead of client_id, a hex rather than base64url PKCE challenge, an `error` object in
 * every API answer, success included).
 *
 * PKCE is sent although TikTok's web guide lists it for desktop and mobile apps only: web apps have been refused without
 * it, and the challenge is checked when present. Refresh tokens rotate: the refreshed TokenSet carries the new one and
 * the old one is dead from then on.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { call, expiresAt, form, type ProviderAnswer } from './http.ts';
import { ProviderError, type AccountIdentity, type OAuthProvider, type ProviderErrorKind, type ProviderOptions, type TokenSet } from './port.ts';

/** Read-only: profile, username (profile), follower counts (stats) and the video list that sync reads. */
const SCOPES = ['user.info.basic', 'user.info.profile', 'user.info.stats', 'video.list'] as const;
const USER_FIELDS = 'open_id,union_id,avatar_url,display_name,username,bio_description,profile_deep_link,follower_count,following_count,likes_count,video_count';

const nonEmpty = z.string().check(z.minLength(1));
const Token = z.object({
  open_id: nonEmpty,
  scope: z.string(),
  access_token: nonEmpty,
  expires_in: z.optional(z.number()),
  refresh_token: nonEmpty,
  refresh_expires_in: z.optional(z.number()),
});
const UserInfo = z.object({
  data: z.object({
    user: z.object({
      open_id: nonEmpty,
      display_name: z.optional(z.string()),
      username: z.optional(z.string()),
      avatar_url: z.optional(z.string()),
      bio_description: z.optional(z.string()),
      profile_deep_link: z.optional(z.string()),
      follower_count: z.optional(z.number()),
      following_count: z.optional(z.number()),
      video_count: z.optional(z.number()),
    }),
  }),
});
/** OAuth endpoints: `{error, error_description, log_id}`. */
const OAuthErrorBody = z.object({ error: nonEmpty, error_description: z.optional(z.string()) });
/** API endpoints: every answer has `error:{code,message,log_id}`, with code "ok" on success. */
const ApiErrorBody = z.object({ error: z.object({ code: nonEmpty, message: z.optional(z.string()) }) });

const OAUTH_ERROR_KINDS: Record<string, ProviderErrorKind> = {
  invalid_grant: 'invalid_grant', invalid_client: 'invalid_client', unauthorized_client: 'invalid_client', access_denied: 'access_denied',
};
const API_ERROR_KINDS: Record<string, ProviderErrorKind> = {
  access_token_invalid: 'invalid_grant', rate_limit_exceeded: 'rate_limited', scope_not_authorized: 'access_denied', scope_permission_missed: 'access_denied',
};

/** The TikTok adapter of the OAuth port. */
export function tiktokProvider(options: ProviderOptions): OAuthProvider {
  const { client, hosts } = options;
  const api = hosts('open.tiktokapis.com');

  async function request<T>(schema: z.ZodMiniType<T>, what: string, url: string, init: RequestInit): Promise<T> {
    const answer = await call('tiktok', url, { ...init, fetch: options.fetch }, tiktokError);
    const parsed = schema.safeParse(answer.body);
    if (!parsed.success) throw new ProviderError('tiktok', 'bad_response', `TikTok's ${what} answer is not what we expect: ${z.prettifyError(parsed.error)}`, { status: answer.status });
    return parsed.data;
  }

  async function token(fields: Record<string, string | undefined>): Promise<TokenSet> {
    const answer = await request(Token, 'token', `${api}/v2/oauth/token/`, {
      method: 'POST', body: form({ client_key: client.clientId, client_secret: client.clientSecret, ...fields }),
    });
    return {
      accessToken: answer.access_token,
      refreshToken: answer.refresh_token,
      expiresAt: expiresAt(answer.expires_in, options.now),
      refreshExpiresAt: expiresAt(answer.refresh_expires_in, options.now),
      scopes: answer.scope.split(',').filter(Boolean),
      extra: { openId: answer.open_id },
    };
  }

  return {
    platform: 'tiktok',
    scopes: SCOPES,
    usesPkce: true,
    authorizeUrl: ({ state, codeVerifier }) => `${hosts('www.tiktok.com')}/v2/auth/authorize/?${new URLSearchParams({
      client_key: client.clientId, scope: SCOPES.join(','), response_type: 'code', redirect_uri: client.redirectUri, state,
      code_challenge: createHash('sha256').update(codeVerifier).digest('hex'), code_challenge_method: 'S256',
    })}`,

    exchangeCode: (code, codeVerifier) =>
      token({ code, grant_type: 'authorization_code', redirect_uri: client.redirectUri, code_verifier: codeVerifier }),

    async refresh(tokens) {
      if (!tokens.refreshToken) throw new ProviderError('tiktok', 'invalid_grant', 'tiktok: no refresh token is stored; the user must reconnect');
      return token({ grant_type: 'refresh_token', refresh_token: tokens.refreshToken });
    },

    async revoke(tokens) {
      await call('tiktok', `${api}/v2/oauth/revoke/`, {
        method: 'POST', body: form({ client_key: client.clientId, client_secret: client.clientSecret, token: tokens.accessToken }), fetch: options.fetch,
      }, tiktokError);
    },

    async identity(tokens): Promise<AccountIdentity> {
      const { data: { user } } = await request(UserInfo, 'user info', `${api}/v2/user/info/?${new URLSearchParams({ fields: USER_FIELDS })}`, {
        headers: { authorization: `Bearer ${tokens.accessToken}` },
      });
      return {
        platformAccountId: user.open_id,
        handle: user.username || undefined,
        displayName: user.display_name || user.username || user.open_id,
        avatarUrl: user.avatar_url || undefined,
        profileUrl: user.username ? `https://www.tiktok.com/@${encodeURIComponent(user.username)}` : user.profile_deep_link,
        bio: user.bio_description || undefined,
        followerCount: user.follower_count,
        followingCount: user.following_count,
        contentCount: user.video_count,
      };
    },
  };
}

/** TikTok's error bodies (OAuth and API), whatever the status they come with (its OAuth docs give none): video sync reads them too. */
export function tiktokError(answer: ProviderAnswer): ProviderError | undefined {
  const fallback: ProviderErrorKind = answer.status >= 500 ? 'unavailable' : 'bad_response';
  const oauth = OAuthErrorBody.safeParse(answer.body);
  if (oauth.success) {
    const { error, error_description: description } = oauth.data;
    return new ProviderError('tiktok', OAUTH_ERROR_KINDS[error] ?? fallback, `tiktok: ${error}${description ? `: ${description}` : ''}`, { status: answer.status, providerCode: error });
  }
  const api = ApiErrorBody.safeParse(answer.body);
  if (!api.success || api.data.error.code === 'ok') return undefined;
  const { code, message } = api.data.error;
  const kind = API_ERROR_KINDS[code] ?? fallback;
  // A 429 is left to call(), which reads its Retry-After.
  if (kind === 'rate_limited' && answer.status === 429) return undefined;
  return new ProviderError('tiktok', kind, `tiktok: ${code}${message ? `: ${message}` : ''}`, { status: answer.status, providerCode: code });
}
