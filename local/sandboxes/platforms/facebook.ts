/**
 * Facebook Login for a Page, as the sandbox plays it (the third-party API contract sheet, §1): the dialog on
 * www.facebook.com; on graph.facebook.com the GET token endpoint (code → short-lived user token, fb_exchange_token →
 * ~60-day one), /me/permissions (read; DELETE revokes the grant) and /me/accounts with the Page and its Page token.
 * Every login manages one Page, except `no-page`, which manages none. The Page's posts are in facebook-content.ts.
 */
import { facebookContentRoutes } from './facebook-content.ts';
import { displayName, graphError, graphPath, graphToken, selectFields } from './graph.ts';
import { consentPage, redirectTo, SandboxState, type ProviderModule, type SandboxAccount, type SandboxRequest, type SandboxResponse } from './server.ts';

export const NO_PAGE_LOGIN = 'no-page';
const CODE_SECONDS = 600;
const LONG_LIVED_SECONDS = 5_183_944;
/** A Page token got with a long-lived user token has no expiry: a century stands for it. */
const NEVER_SECONDS = 100 * 365 * 86_400;
const SCOPES = new Set(['public_profile', 'email', 'pages_show_list', 'pages_read_engagement', 'pages_read_user_content',
  'pages_manage_posts', 'pages_manage_metadata', 'business_management']);
/** What /me/accounts answers without `fields`. */
const PAGE_DEFAULT_FIELDS = ['name', 'access_token', 'category', 'category_list', 'tasks'];

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** The dialog's errors are pages for the person at the browser, not redirects to an app it cannot trust. */
const dialogError = (message: string): SandboxResponse => ({
  status: 400, headers: { 'content-type': 'text/html; charset=utf-8' },
  body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Error</title></head><body><h1>Facebook (sandbox)</h1><p>${escapeHtml(message)}</p></body></html>`,
});

/** The Page a login manages (none for `no-page`), without its token: deterministic, so tests can expect it. */
export function facebookPage(account: SandboxAccount): Record<string, unknown> | undefined {
  if (account.login === NO_PAGE_LOGIN) return undefined;
  const seed = `facebook-page:${account.login}`;
  const id = `1${String(SandboxState.number(`${seed}:id`, 0, 999_999_999)).padStart(9, '0')}${account.id.slice(0, 5)}`;
  return {
    id,
    name: `${displayName(account.login)} Page`,
    category: 'Digital creator',
    category_list: [{ id: '2700', name: 'Digital creator' }],
    tasks: ['ANALYZE', 'ADVERTISE', 'MODERATE', 'CREATE_CONTENT', 'MANAGE'],
    picture: { data: { url: `https://scontent.xx.fbcdn.net/v/sandbox/${id}.png` } },
    followers_count: SandboxState.number(`${seed}:followers`, 50, 400_000),
    fan_count: SandboxState.number(`${seed}:fans`, 50, 400_000),
    link: `https://www.facebook.com/${id}`,
  };
}

export const facebook: ProviderModule = (state) => {
  const longLivedUserTokens = new Set<string>();
  const pageTokens = new Set<string>();

  function dialog(request: SandboxRequest, params: URLSearchParams): SandboxResponse {
    const clientId = params.get('client_id') ?? '';
    const redirectUri = params.get('redirect_uri') ?? '';
    const scopes = (params.get('scope') ?? '').split(',').map((scope) => scope.trim()).filter(Boolean);
    if (!state.clients.has(clientId)) return dialogError('Invalid App ID: The provided app ID does not look like a valid app ID.');
    if (!URL.canParse(redirectUri)) return dialogError("URL blocked: This redirect failed because the redirect URI is not whitelisted in the app's Client OAuth Settings.");
    const invalid = scopes.filter((scope) => !SCOPES.has(scope));
    if (invalid.length) return dialogError(`Invalid Scopes: ${invalid.join(', ')}.`);
    if (request.method === 'GET') return consentPage({ provider: 'Facebook', appName: 'StreamVibe', scopes, action: `/${request.host}${request.path}`, params });
    const stateParam = params.get('state') ?? undefined;
    const login = params.get('login');
    if (params.get('decision') !== 'allow' || !login) {
      return redirectTo(redirectUri, { error: 'access_denied', error_code: '200', error_description: 'Permissions error', error_reason: 'user_denied', state: stateParam }, '#_=_');
    }
    const code = state.issueCode({ platform: 'facebook', clientId, redirectUri, scopes, account: state.account('facebook', login) }, CODE_SECONDS);
    return redirectTo(redirectUri, { code, state: stateParam }, '#_=_');
  }

  function accessToken({ query }: SandboxRequest): SandboxResponse {
    const clientId = query.get('client_id') ?? '';
    const secret = state.clients.get(clientId);
    if (secret === undefined) return graphError(400, 101, 'Error validating application. Invalid application ID.');
    if (query.get('client_secret') !== secret) return graphError(400, 1, 'Error validating client secret.');
    if (query.get('grant_type') === 'fb_exchange_token') {
      const value = query.get('fb_exchange_token');
      const user = graphToken(state, 'facebook', value);
      if ('status' in user) return user;
      if (pageTokens.has(value!) || user.clientId !== clientId) return graphError(400, 190, 'Invalid OAuth access token - Cannot parse access token');
      const token = state.issueToken({ platform: 'facebook', kind: 'access', clientId, account: user.account, scopes: user.scopes }, LONG_LIVED_SECONDS, 'EAA');
      longLivedUserTokens.add(token);
      return { status: 200, body: { access_token: token, token_type: 'bearer', expires_in: LONG_LIVED_SECONDS } };
    }
    const value = query.get('code');
    if (!value) return graphError(400, 100, 'Missing authorization code');
    const code = state.codes.get(value);
    if (!code || code.platform !== 'facebook' || code.clientId !== clientId) return graphError(400, 100, 'Invalid verification code format.');
    if (code.used) return graphError(400, 100, 'This authorization code has been used.', { subcode: 36009 });
    if (code.expiresAt <= state.now()) return graphError(400, 100, 'This authorization code has expired.', { subcode: 36007 });
    if (query.get('redirect_uri') !== code.redirectUri) {
      return graphError(400, 100, 'Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request', { subcode: 36008 });
    }
    code.used = true;
    const lifetimeSeconds = SandboxState.number(`facebook:${code.account.login}:short-lived`, 3600, 7200);
    const token = state.issueToken({ platform: 'facebook', kind: 'access', clientId, account: code.account, scopes: code.scopes }, lifetimeSeconds, 'EAA');
    return { status: 200, body: { access_token: token, token_type: 'bearer', expires_in: lifetimeSeconds } };
  }

  /** The user token a /me call carries (not a Page token: for one of those, /me is the Page). */
  function userToken(request: SandboxRequest) {
    const value = request.bearer();
    const token = graphToken(state, 'facebook', value, request.query.get('appsecret_proof'));
    if ('status' in token) return token;
    if (pageTokens.has(value!)) return graphError(400, 100, `(#100) Tried accessing nonexisting field (${request.path.split('/').pop()}) on node type (Page)`);
    return { token, value: value! };
  }

  function accounts(request: SandboxRequest): SandboxResponse {
    const user = userToken(request);
    if ('status' in user) return user;
    const page = facebookPage(user.token.account);
    if (!page) return { status: 200, body: { data: [] } };
    const lifetimeSeconds = longLivedUserTokens.has(user.value) ? NEVER_SECONDS : Math.ceil((user.token.expiresAt - state.now()) / 1000);
    const pageToken = state.issueToken({ platform: 'facebook', kind: 'access', clientId: user.token.clientId, account: user.token.account, scopes: user.token.scopes }, lifetimeSeconds, 'EAA');
    pageTokens.add(pageToken);
    const fields = selectFields({ ...page, access_token: pageToken }, request.query.get('fields'), PAGE_DEFAULT_FIELDS, 'Page');
    if ('error' in fields) return fields.error;
    const cursor = Buffer.from(String(page.id)).toString('base64url');
    return { status: 200, body: { data: [fields.selected], paging: { cursors: { before: cursor, after: cursor } } } };
  }

  return [
    { method: 'GET', host: 'www.facebook.com', path: graphPath('dialog/oauth'), handle: (request) => dialog(request, request.query) },
    { method: 'POST', host: 'www.facebook.com', path: graphPath('dialog/oauth'), handle: (request) => dialog(request, request.form()) },
    { method: 'GET', host: 'graph.facebook.com', path: graphPath('oauth/access_token'), handle: accessToken },
    { method: 'GET', host: 'graph.facebook.com', path: graphPath('me/accounts'), handle: accounts },
    {
      method: 'GET', host: 'graph.facebook.com', path: graphPath('me/permissions'),
      handle: (request) => {
        const user = userToken(request);
        if ('status' in user) return user;
        const granted = [...new Set([...user.token.scopes, 'public_profile'])];
        return { status: 200, body: { data: granted.map((permission) => ({ permission, status: 'granted' })) } };
      },
    },
    {
      method: 'DELETE', host: 'graph.facebook.com', path: graphPath('me/permissions'),
      handle: (request) => {
        const user = userToken(request);
        if ('status' in user) return user;
        state.revokeGrant(user.token);
        return { status: 200, body: { success: true } };
      },
    },
    ...facebookContentRoutes(state, (value) => pageTokens.has(value)),
  ];
};
