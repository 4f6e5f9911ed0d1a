/**
 * Facebook Login, connecting the creator's Page. Hand-written over fetch: facebook-nodejs-business-sdk is built for the
 * Marketing API and heavy for a Lambda, and a standards OAuth client cannot call Facebook's GET token endpoint or its
 * fb_exchange_token grant.
 *
 * The code buys a short-lived user token, traded at once for the ~60-day one (fb_exchange_token); with it we read the
 * Page (/me/accounts, the first one) and its Page token, which does not expire when it comes from a long-lived user
 * token. The TokenSet keeps the user token (what `refresh` re-exchanges and `revoke` ends) and, in `extra`, the Page id
 * and Page token that Page sync uses. Every call carries appsecret_proof, so a leaked token is useless without our
 * secret (and an app set to "Require App Secret" works).
 */
import * as z from 'zod/mini';
import { appsecretProof, GRAPH_API_VERSION, graphError } from './graph.ts';
import { call, expiresAt } from './http.ts';
import { ProviderError, type AccountIdentity, type OAuthProvider, type ProviderOptions, type TokenSet } from './port.ts';

/** Read-only: list the user's Pages and read their posts and counts. */
const SCOPES = ['pages_show_list', 'pages_read_engagement'] as const;
const PAGE_FIELDS = 'id,name,access_token,picture{url},followers_count,fan_count,link';

const nonEmpty = z.string().check(z.minLength(1));
const UserToken = z.object({ access_token: nonEmpty, expires_in: z.optional(z.number()) });
const Permissions = z.object({ data: z.array(z.object({ permission: z.string(), status: z.string() })) });
const Page = z.object({
  id: nonEmpty,
  name: z.string(),
  access_token: nonEmpty,
  picture: z.optional(z.object({ data: z.object({ url: z.optional(z.string()) }) })),
  followers_count: z.optional(z.number()),
  fan_count: z.optional(z.number()),
  link: z.optional(z.string()),
});
type Page = z.output<typeof Page>;
const Pages = z.object({ data: z.array(Page) });
const Revoked = z.object({ success: z.literal(true) });

/** The Facebook (Page) adapter of the OAuth port. */
export function facebookProvider(options: ProviderOptions): OAuthProvider {
  const { client, hosts } = options;
  const graph = `${hosts('graph.facebook.com')}/${GRAPH_API_VERSION}`;

  async function request<T>(schema: z.ZodMiniType<T>, what: string, path: string, params: Record<string, string>, method = 'GET'): Promise<T> {
    const answer = await call('facebook', `${graph}${path}?${new URLSearchParams(params)}`, { method, fetch: options.fetch }, (a) => graphError('facebook', a));
    const parsed = schema.safeParse(answer.body);
    if (!parsed.success) throw new ProviderError('facebook', 'bad_response', `Facebook's ${what} answer is not what we expect: ${z.prettifyError(parsed.error)}`, { status: answer.status });
    return parsed.data;
  }

  /** A Graph call on the user's behalf, with the token's appsecret_proof. */
  const asUser = <T>(schema: z.ZodMiniType<T>, what: string, path: string, userToken: string, params: Record<string, string> = {}, method = 'GET') =>
    request(schema, what, path, { ...params, access_token: userToken, appsecret_proof: appsecretProof(client.clientSecret, userToken) }, method);

  /** A ~60-day user token for a short- or long-lived one (Facebook's only way to extend a token). */
  async function longLived(userToken: string): Promise<Pick<TokenSet, 'accessToken' | 'expiresAt'>> {
    const token = await request(UserToken, 'long-lived token', '/oauth/access_token', {
      grant_type: 'fb_exchange_token', client_id: client.clientId, client_secret: client.clientSecret, fb_exchange_token: userToken,
    });
    return { accessToken: token.access_token, expiresAt: expiresAt(token.expires_in, options.now) };
  }

  /** The connected Page (the stored one, else the first the user manages), with its current Page token. */
  async function pageOf(userToken: string, pageId: string | undefined): Promise<Page> {
    const { data } = await asUser(Pages, 'Page list', '/me/accounts', userToken, { fields: PAGE_FIELDS, limit: '100' });
    const page = pageId === undefined ? data[0] : data.find((p) => p.id === pageId);
    if (page) return page;
    throw new ProviderError('facebook', 'access_denied', pageId === undefined
      ? 'The Facebook account manages no Page (or shared none with StreamVibe): connect an account that manages a Facebook Page'
      : `The Facebook account no longer manages (or no longer shares) Page ${pageId}`);
  }

  const withPage = (user: Pick<TokenSet, 'accessToken' | 'expiresAt'>, scopes: string[], page: Page): TokenSet =>
    ({ ...user, scopes, extra: { pageId: page.id, pageToken: page.access_token } });

  return {
    platform: 'facebook',
    scopes: SCOPES,
    usesPkce: false,
    authorizeUrl: ({ state }) => `${hosts('www.facebook.com')}/${GRAPH_API_VERSION}/dialog/oauth?${new URLSearchParams({
      client_id: client.clientId, redirect_uri: client.redirectUri, state, response_type: 'code', scope: SCOPES.join(','),
    })}`,

    async exchangeCode(code) {
      const short = await request(UserToken, 'code exchange', '/oauth/access_token', {
        client_id: client.clientId, redirect_uri: client.redirectUri, client_secret: client.clientSecret, code,
      });
      const user = await longLived(short.access_token);
      // The dialog lets the user untick permissions; the token answer does not say which were kept.
      const { data } = await asUser(Permissions, 'permissions', '/me/permissions', user.accessToken);
      const granted = data.filter((p) => p.status === 'granted').map((p) => p.permission);
      return withPage(user, granted, await pageOf(user.accessToken, undefined));
    },

    async refresh(tokens) {
      const user = await longLived(tokens.accessToken);
      return withPage(user, tokens.scopes, await pageOf(user.accessToken, tokens.extra?.pageId));
    },

    async revoke(tokens) {
      await asUser(Revoked, 'revoke', '/me/permissions', tokens.accessToken, {}, 'DELETE');
    },

    async identity(tokens): Promise<AccountIdentity> {
      const page = await pageOf(tokens.accessToken, tokens.extra?.pageId);
      return {
        platformAccountId: page.id,
        displayName: page.name,
        avatarUrl: page.picture?.data.url,
        profileUrl: page.link,
        followerCount: page.followers_count ?? page.fan_count,
      };
    },
  };
}
