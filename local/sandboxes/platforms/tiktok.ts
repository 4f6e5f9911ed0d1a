/**
 * TikTok Login Kit v2, as the sandbox plays it (the third-party API contract sheet, §1 and §2): the authorize page on
 * www.tiktok.com, and on open.tiktokapis.com the form-only token endpoint (codes with an optional hex PKCE challenge,
 * rotating refresh tokens), revoke, and /v2/user/info/ with its per-scope fields; the video list is in tiktok-content.ts.
 */
import { catalogueSize } from './catalogue.ts';
import { logId, TIKTOK_KINDS, tiktokAnswer, tiktokContentRoutes, tiktokRateLimit } from './tiktok-content.ts';
import { consentPage, pkceMatches, redirectTo, SandboxState, type IssuedToken, type ProviderModule, type SandboxAccount, type SandboxRequest, type SandboxResponse } from './server.ts';

/** The 2026 docs' lifetimes (older pages said 24 h / 365 d; clients read them from the answer). */
const ACCESS_SECONDS = 7200;
const REFRESH_SECONDS = 15_552_000;
const CODE_SECONDS = 300;
/** Which scope each user/info field needs. */
const FIELD_SCOPES: Record<string, string> = {
  open_id: 'user.info.basic', union_id: 'user.info.basic', avatar_url: 'user.info.basic', avatar_url_100: 'user.info.basic',
  avatar_large_url: 'user.info.basic', display_name: 'user.info.basic',
  bio_description: 'user.info.profile', profile_deep_link: 'user.info.profile', is_verified: 'user.info.profile', username: 'user.info.profile',
  follower_count: 'user.info.stats', following_count: 'user.info.stats', likes_count: 'user.info.stats', video_count: 'user.info.stats',
};
const SCOPES = new Set([...Object.values(FIELD_SCOPES), 'video.list', 'video.upload', 'video.publish']);

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const authorizeError = (message: string): SandboxResponse => ({
  status: 400, headers: { 'content-type': 'text/html; charset=utf-8' },
  body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>TikTok</title></head><body><h1>TikTok (sandbox)</h1><p>Something went wrong: ${escapeHtml(message)}</p></body></html>`,
});

/** What user/info shows for an account: deterministic per login, so tests and demo data can expect it (video_count: the catalogue's size until a test changes it). */
export function tiktokUser(account: SandboxAccount): Record<string, unknown> {
  const seed = `tiktok:${account.login}`;
  return {
    open_id: account.id,
    union_id: `u${String(SandboxState.number(`${seed}:union`, 0, 999_999_999)).padStart(9, '0')}${account.id.slice(0, 8)}`,
    avatar_url: `https://p16-sign.tiktokcdn-us.com/sandbox/${account.id}~c5_168x168.jpeg`,
    avatar_url_100: `https://p16-sign.tiktokcdn-us.com/sandbox/${account.id}~c5_100x100.jpeg`,
    avatar_large_url: `https://p16-sign.tiktokcdn-us.com/sandbox/${account.id}~c5_1080x1080.jpeg`,
    display_name: account.login.replace(/[._-]+/g, ' '),
    bio_description: `Sandbox creator ${account.login}`,
    profile_deep_link: `https://vm.tiktok.com/sandbox-${account.id}/`,
    is_verified: false,
    username: account.login.toLowerCase(),
    follower_count: SandboxState.number(`${seed}:followers`, 100, 900_000),
    following_count: SandboxState.number(`${seed}:following`, 5, 3_000),
    likes_count: SandboxState.number(`${seed}:likes`, 1_000, 20_000_000),
    video_count: catalogueSize(account.login),
  };
}

export const tiktok: ProviderModule = (state) => {
  /** `{error, error_description, log_id}`: 401 for client authentication, 400 for the rest (RFC 6749 §5.2). */
  const oauthError = (error: string, description: string): SandboxResponse =>
    ({ status: error === 'invalid_client' ? 401 : 400, body: { error, error_description: description, log_id: logId(state.now()) } });
  const apiAnswer = (status: number, code: string, message: string, data: unknown = {}) => tiktokAnswer(state, status, code, message, data);

  function authorize(request: SandboxRequest, params: URLSearchParams): SandboxResponse {
    const clientId = params.get('client_key') ?? '';
    const redirectUri = params.get('redirect_uri') ?? '';
    const scopes = (params.get('scope') ?? '').split(',').filter(Boolean);
    const challenge = params.get('code_challenge') ?? undefined;
    if (!state.clients.has(clientId)) return authorizeError('client_key is invalid.');
    if (!URL.canParse(redirectUri)) return authorizeError('redirect_uri is invalid.');
    if (params.get('response_type') !== 'code') return authorizeError('response_type must be code.');
    if (scopes.length === 0 || scopes.some((scope) => !SCOPES.has(scope))) return authorizeError('scope is invalid.');
    if (challenge && params.get('code_challenge_method') !== 'S256') return authorizeError('code_challenge_method must be S256.');
    if (request.method === 'GET') return consentPage({ provider: 'TikTok', appName: 'StreamVibe', scopes, action: `/${request.host}${request.path}`, params });
    const stateParam = params.get('state') ?? undefined;
    const login = params.get('login');
    if (params.get('decision') !== 'allow' || !login) {
      return redirectTo(redirectUri, { error: 'access_denied', error_description: 'The user denied the authorization request.', state: stateParam });
    }
    const code = state.issueCode({ platform: 'tiktok', clientId, redirectUri, scopes, account: state.account('tiktok', login), codeChallenge: challenge, codeChallengeMethod: challenge ? 'S256' : undefined }, CODE_SECONDS);
    return redirectTo(redirectUri, { code, scopes: scopes.join(','), state: stateParam });
  }

  /** A new access + refresh token pair for a grant. */
  function tokenPair(of: Pick<IssuedToken, 'clientId' | 'account' | 'scopes'>): SandboxResponse {
    const grant = { platform: 'tiktok', clientId: of.clientId, account: of.account, scopes: of.scopes };
    return {
      status: 200,
      body: {
        access_token: state.issueToken({ ...grant, kind: 'access' }, ACCESS_SECONDS, 'act.'),
        expires_in: ACCESS_SECONDS,
        open_id: of.account.id,
        refresh_expires_in: REFRESH_SECONDS,
        refresh_token: state.issueToken({ ...grant, kind: 'refresh' }, REFRESH_SECONDS, 'rft.'),
        scope: of.scopes.join(','),
        token_type: 'Bearer',
      },
    };
  }

  /** The form of a token or revoke call with a registered client_key and its secret, or TikTok's refusal. */
  function clientForm(request: SandboxRequest): { form: URLSearchParams; clientId: string } | SandboxResponse {
    if (!request.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
      return oauthError('invalid_request', 'Content-Type must be application/x-www-form-urlencoded.');
    }
    const form = request.form();
    const clientId = form.get('client_key') ?? '';
    const secret = state.clients.get(clientId);
    if (secret === undefined) return oauthError('invalid_client', 'Client key is invalid.');
    if (form.get('client_secret') !== secret) return oauthError('invalid_client', 'Client secret is invalid.');
    return { form, clientId };
  }

  function token(request: SandboxRequest): SandboxResponse {
    const client = clientForm(request);
    if ('status' in client) return client;
    const { form, clientId } = client;
    switch (form.get('grant_type')) {
      case 'authorization_code': {
        const code = state.codes.get(form.get('code') ?? '');
        if (!code || code.platform !== 'tiktok' || code.clientId !== clientId || code.used) return oauthError('invalid_grant', 'Authorization code is invalid or has been used.');
        if (code.expiresAt <= state.now()) return oauthError('invalid_grant', 'Authorization code is expired.');
        if (form.get('redirect_uri') !== code.redirectUri) return oauthError('invalid_grant', 'Redirect URI does not match the one of the authorization request.');
        if (!pkceMatches(code, form.get('code_verifier'), 'hex')) return oauthError('invalid_grant', 'Code verifier does not match the code challenge.');
        code.used = true;
        return tokenPair(code);
      }
      case 'refresh_token': {
        const old = state.tokens.get(form.get('refresh_token') ?? '');
        if (!old || old.platform !== 'tiktok' || old.kind !== 'refresh' || old.clientId !== clientId || old.revoked || old.rotated || old.expiresAt <= state.now()) {
          return oauthError('invalid_grant', 'Refresh token is invalid or expired.');
        }
        old.rotated = true;
        return tokenPair(old);
      }
      default:
        return oauthError('unsupported_grant_type', 'Grant type is not supported.');
    }
  }

  function userInfo(request: SandboxRequest): SandboxResponse {
    const token = state.liveAccess('tiktok', /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '')?.[1]);
    if (!token) return apiAnswer(401, 'access_token_invalid', 'The access token is invalid or not found in the request.');
    const limited = tiktokRateLimit(state, token, request.path);
    if (limited) return limited;
    const fields = (request.query.get('fields') ?? '').split(',').filter(Boolean);
    const unknown = fields.find((field) => !(field in FIELD_SCOPES));
    if (fields.length === 0 || unknown) return apiAnswer(400, 'invalid_params', unknown ? `Invalid field: ${unknown}` : 'fields is required.');
    const missing = fields.map((field) => FIELD_SCOPES[field]!).find((scope) => !token.scopes.includes(scope));
    if (missing) return apiAnswer(401, 'scope_not_authorized', `The user did not authorize the scope required for completing this request: ${missing}.`);
    const user: Record<string, unknown> = { ...tiktokUser(token.account), video_count: state.catalogue('tiktok', token.account.login, TIKTOK_KINDS).count };
    return apiAnswer(200, 'ok', '', { user: Object.fromEntries(fields.map((field) => [field, user[field]])) });
  }

  return [
    { method: 'GET', host: 'www.tiktok.com', path: '/v2/auth/authorize/', handle: (request) => authorize(request, request.query) },
    { method: 'POST', host: 'www.tiktok.com', path: '/v2/auth/authorize/', handle: (request) => authorize(request, request.form()) },
    { method: 'POST', host: 'open.tiktokapis.com', path: '/v2/oauth/token/', handle: token },
    {
      method: 'POST', host: 'open.tiktokapis.com', path: '/v2/oauth/revoke/',
      handle: (request) => {
        const client = clientForm(request);
        if ('status' in client) return client;
        const revoked = state.tokens.get(client.form.get('token') ?? '');
        // Like RFC 7009, an unknown token is no error: the caller's goal (the token does not work) holds.
        if (revoked && revoked.platform === 'tiktok' && revoked.clientId === client.clientId) state.revokeGrant(revoked);
        return { status: 200 };
      },
    },
    { method: 'GET', host: 'open.tiktokapis.com', path: '/v2/user/info/', handle: userInfo },
    ...tiktokContentRoutes(state),
  ];
};
