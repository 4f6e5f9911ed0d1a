/**
 * Instagram API with Instagram Login (professional accounts; Basic Display is gone). Hand-written over fetch: Meta ships
 * no Node SDK for Instagram Login, and a standards OAuth client cannot read its `data[]`-wrapped code exchange or call
 * its GET token-extension endpoints.
 *
 * The code buys a 1-hour token (api.instagram.com, form only), which is traded at once for the 60-day token we keep
 * (graph.instagram.com, ig_exchange_token). There is no refresh token: `refresh` extends the long-lived token itself
 * (ig_refresh_token; Instagram refuses a token under 24 h old, and the error is passed on), and no revoke endpoint.
 */
import * as z from 'zod/mini';
import { GRAPH_API_VERSION, graphError } from './graph.ts';
import { call, expiresAt, form, type ProviderAnswer } from './http.ts';
import { ProviderError, type AccountIdentity, type OAuthProvider, type ProviderOptions, type TokenSet } from './port.ts';

/** Read-only: the profile and media that sync needs. */
const SCOPES = ['instagram_business_basic'] as const;
const PROFILE_FIELDS = 'user_id,username,name,account_type,profile_picture_url,followers_count,follows_count,media_count';

const nonEmpty = z.string().check(z.minLength(1));
const CodeToken = z.object({
  access_token: nonEmpty,
  user_id: z.union([nonEmpty, z.number()]),
  permissions: z.optional(z.union([z.string(), z.array(z.string())])),
});
/** The code exchange answers `{data:[{…}]}` today; older apps and samples get the flat object. */
const CodeAnswer = z.union([z.object({ data: z.array(CodeToken).check(z.minLength(1)) }), CodeToken]);
const LongLivedToken = z.object({ access_token: nonEmpty, expires_in: z.optional(z.number()) });
const Profile = z.object({
  user_id: z.union([nonEmpty, z.number()]),
  username: nonEmpty,
  name: z.optional(z.string()),
  profile_picture_url: z.optional(z.string()),
  followers_count: z.optional(z.number()),
  follows_count: z.optional(z.number()),
  media_count: z.optional(z.number()),
});
/** api.instagram.com keeps the pre-Graph error shape. */
const OAuthErrorBody = z.object({ error_type: z.string(), error_message: z.optional(z.string()) });

/** The Instagram adapter of the OAuth port. */
export function instagramProvider(options: ProviderOptions): OAuthProvider {
  const { client, hosts } = options;
  const fetchPrecisely = preciseUserIds(options.fetch ?? globalThis.fetch);

  async function request<T>(schema: z.ZodMiniType<T>, what: string, url: string, init: RequestInit = {}): Promise<T> {
    const answer = await call('instagram', url, { ...init, fetch: fetchPrecisely }, classify);
    const parsed = schema.safeParse(answer.body);
    if (!parsed.success) throw new ProviderError('instagram', 'bad_response', `Instagram's ${what} answer is not what we expect: ${z.prettifyError(parsed.error)}`, { status: answer.status });
    return parsed.data;
  }

  /** The long-lived token from either GET endpoint (exchange or refresh): same answer shape. */
  async function longLived(path: string, params: Record<string, string>): Promise<Pick<TokenSet, 'accessToken' | 'expiresAt'>> {
    const token = await request(LongLivedToken, 'long-lived token', `${hosts('graph.instagram.com')}${path}?${new URLSearchParams(params)}`);
    return { accessToken: token.access_token, expiresAt: expiresAt(token.expires_in, options.now) };
  }

  return {
    platform: 'instagram',
    scopes: SCOPES,
    usesPkce: false,
    authorizeUrl: ({ state }) => `${hosts('www.instagram.com')}/oauth/authorize?${new URLSearchParams({
      client_id: client.clientId, redirect_uri: client.redirectUri, response_type: 'code', scope: SCOPES.join(','), state,
    })}`,

    async exchangeCode(code) {
      const answer = await request(CodeAnswer, 'code exchange', `${hosts('api.instagram.com')}/oauth/access_token`, {
        method: 'POST',
        body: form({ client_id: client.clientId, client_secret: client.clientSecret, grant_type: 'authorization_code', redirect_uri: client.redirectUri, code: code.replace(/#_$/, '') }),
      });
      const short = 'data' in answer ? answer.data[0]! : answer;
      const long = await longLived('/access_token', { grant_type: 'ig_exchange_token', client_secret: client.clientSecret, access_token: short.access_token });
      const granted = typeof short.permissions === 'string' ? short.permissions.split(',').filter(Boolean) : short.permissions;
      return { ...long, scopes: granted?.length ? granted : [...SCOPES], extra: { userId: String(short.user_id) } };
    },

    async refresh(tokens) {
      return { ...tokens, ...await longLived('/refresh_access_token', { grant_type: 'ig_refresh_token', access_token: tokens.accessToken }) };
    },

    async identity(tokens): Promise<AccountIdentity> {
      const me = await request(Profile, 'profile', `${hosts('graph.instagram.com')}/${GRAPH_API_VERSION}/me?${new URLSearchParams({ fields: PROFILE_FIELDS, access_token: tokens.accessToken })}`);
      return {
        platformAccountId: String(me.user_id),
        handle: me.username,
        displayName: me.name || me.username,
        avatarUrl: me.profile_picture_url,
        profileUrl: `https://www.instagram.com/${encodeURIComponent(me.username)}`,
        followerCount: me.followers_count,
        followingCount: me.follows_count,
        contentCount: me.media_count,
      };
    },
  };
}

function classify(answer: ProviderAnswer): ProviderError | undefined {
  const graph = graphError('instagram', answer);
  if (graph) return graph;
  const parsed = OAuthErrorBody.safeParse(answer.body);
  if (!parsed.success) return undefined;
  const message = parsed.data.error_message ?? parsed.data.error_type;
  // "Invalid platform app" / "Invalid Client Secret"; "Matching code was not found or was already used", "Error validating verification code…"
  const kind = /platform app|client secret|client_id/i.test(message) ? 'invalid_client'
    : /code/i.test(message) ? 'invalid_grant'
      : answer.status >= 500 ? 'unavailable' : 'bad_response';
  return new ProviderError('instagram', kind, `instagram: ${message}`, { status: answer.status, providerCode: parsed.data.error_type });
}

/**
 * Instagram sends `user_id` as a bare JSON number, and professional-account ids (17841405793187218) are past 2^53,
 * where JSON.parse rounds them to another account's id. The text is quoted before it is parsed.
 */
function preciseUserIds(fetchImpl: typeof fetch): typeof fetch {
  return async (input, init) => {
    const response = await fetchImpl(input, init);
    const text = await response.text();
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    headers.delete('content-encoding');  // text() has decoded it
    return new Response(text ? text.replace(/("user_id"\s*:\s*)(\d+)/g, '$1"$2"') : null, { status: response.status, statusText: response.statusText, headers });
  };
}
