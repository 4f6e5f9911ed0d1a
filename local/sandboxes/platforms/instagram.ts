/**
 * Instagram API with Instagram Login, as the sandbox plays it (the third-party API contract sheet, §1): the authorize page on
 * www.instagram.com, the form-only code exchange on api.instagram.com (its pre-Graph error shape), and on
 * graph.instagram.com the 60-day token exchange, its refresh (only once the token is 24 h old) and /me; the media edge
 * is in instagram-content.ts.
 */
import { catalogueSize } from './catalogue.ts';
import { displayName, graphError, graphPath, graphToken, selectFields } from './graph.ts';
import { INSTAGRAM_KINDS, instagramContentRoutes } from './instagram-content.ts';
import { consentPage, redirectTo, SandboxState, type ProviderModule, type SandboxAccount, type SandboxRequest, type SandboxResponse } from './server.ts';

/** Instagram's documented lifetimes: codes and short-lived tokens 1 hour, long-lived tokens 60 days. */
const CODE_SECONDS = 3600;
const SHORT_LIVED_SECONDS = 3600;
const LONG_LIVED_SECONDS = 5_184_000;
const REFRESH_MIN_AGE_MS = 24 * 3600 * 1000;
/** The scope names since 2025-01-27 (the `business_*` ones are retired). */
const SCOPES = new Set(['instagram_business_basic', 'instagram_business_content_publish', 'instagram_business_manage_messages',
  'instagram_business_manage_comments', 'instagram_business_manage_insights']);

/** api.instagram.com's error body: `{"error_type","code","error_message"}`. */
const oauthError = (message: string): SandboxResponse => ({ status: 400, body: { error_type: 'OAuthException', code: 400, error_message: message } });

/** What /me shows for an account: deterministic per login, so tests and demo data can expect it (media_count: the catalogue's size until a test changes it). */
export function instagramProfile(account: SandboxAccount): Record<string, unknown> {
  const seed = `instagram:${account.login}`;
  return {
    id: String(SandboxState.number(`${seed}:app-scoped`, 1_000_000_000, 4_000_000_000)),  // the app-scoped id, not the account's
    user_id: account.id,
    username: account.login.toLowerCase(),
    name: displayName(account.login),
    account_type: SandboxState.number(`${seed}:type`, 0, 1) ? 'BUSINESS' : 'MEDIA_CREATOR',
    profile_picture_url: `https://scontent.cdninstagram.com/v/sandbox/${account.id}.jpg`,
    followers_count: SandboxState.number(`${seed}:followers`, 120, 250_000),
    follows_count: SandboxState.number(`${seed}:follows`, 10, 2_000),
    media_count: catalogueSize(account.login),
  };
}

export const instagram: ProviderModule = (state) => {
  function authorize(request: SandboxRequest, params: URLSearchParams): SandboxResponse {
    const clientId = params.get('client_id') ?? '';
    const redirectUri = params.get('redirect_uri') ?? '';
    const scopes = (params.get('scope') ?? '').split(',').filter(Boolean);
    if (!state.clients.has(clientId)) return oauthError('Invalid platform app');
    if (!URL.canParse(redirectUri)) return oauthError('Invalid redirect_uri');
    if (params.get('response_type') !== 'code') return oauthError('Invalid response_type');
    if (scopes.length === 0 || scopes.some((scope) => !SCOPES.has(scope))) return oauthError(`Invalid scope: ${params.get('scope') ?? ''}`);
    if (request.method === 'GET') return consentPage({ provider: 'Instagram', appName: 'StreamVibe', scopes, action: `/${request.host}${request.path}`, params });
    const stateParam = params.get('state') ?? undefined;
    const login = params.get('login');
    if (params.get('decision') !== 'allow' || !login) {
      return redirectTo(redirectUri, { error: 'access_denied', error_reason: 'user_denied', error_description: 'The user denied your request.', state: stateParam });
    }
    const code = state.issueCode({ platform: 'instagram', clientId, redirectUri, scopes, account: state.account('instagram', login) }, CODE_SECONDS);
    return redirectTo(redirectUri, { code, state: stateParam }, '#_');
  }

  function exchangeCode(request: SandboxRequest): SandboxResponse {
    // Form only: a JSON body's fields are not read, so the first missing one is the answer.
    const params = request.headers['content-type']?.startsWith('application/x-www-form-urlencoded') ? request.form() : new URLSearchParams();
    const clientId = params.get('client_id');
    if (!clientId) return oauthError('You must provide a client_id');
    const secret = state.clients.get(clientId);
    if (secret === undefined) return oauthError('Invalid platform app');
    if (params.get('client_secret') !== secret) return oauthError('Invalid Client Secret');
    if (params.get('grant_type') !== 'authorization_code') return oauthError('Invalid grant_type');
    const code = state.codes.get(params.get('code') ?? '');
    if (!code || code.platform !== 'instagram' || code.clientId !== clientId || code.used || code.expiresAt <= state.now()) {
      return oauthError('Matching code was not found or was already used.');
    }
    if (params.get('redirect_uri') !== code.redirectUri) {
      return oauthError('Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request');
    }
    code.used = true;
    const token = state.issueToken({ platform: 'instagram', kind: 'access', clientId, account: code.account, scopes: code.scopes }, SHORT_LIVED_SECONDS, 'IGAA');
    // Written by hand: user_id is a bare number past 2^53, as Instagram sends it, which JSON.stringify cannot produce.
    const body = `{"data":[{"access_token":${JSON.stringify(token)},"user_id":${code.account.id},"permissions":${JSON.stringify(code.scopes.join(','))}}]}`;
    return { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body };
  }

  /** The long-lived answer of both token endpoints: a new 60-day token for the same grant. */
  function longLived(of: { clientId: string; account: SandboxAccount; scopes: string[] }): SandboxResponse {
    const token = state.issueToken({ platform: 'instagram', kind: 'access', clientId: of.clientId, account: of.account, scopes: of.scopes }, LONG_LIVED_SECONDS, 'IGAA');
    return { status: 200, body: { access_token: token, token_type: 'bearer', expires_in: LONG_LIVED_SECONDS } };
  }

  return [
    { method: 'GET', host: 'www.instagram.com', path: '/oauth/authorize', handle: (request) => authorize(request, request.query) },
    { method: 'POST', host: 'www.instagram.com', path: '/oauth/authorize', handle: (request) => authorize(request, request.form()) },
    { method: 'POST', host: 'api.instagram.com', path: '/oauth/access_token', handle: exchangeCode },
    {
      method: 'GET', host: 'graph.instagram.com', path: graphPath('access_token'),
      handle: ({ query }) => {
        if (query.get('grant_type') !== 'ig_exchange_token') return graphError(400, 100, 'Unsupported grant_type');
        const token = graphToken(state, 'instagram', query.get('access_token'));
        if ('status' in token) return token;
        if (query.get('client_secret') !== state.clients.get(token.clientId)) return graphError(400, 1, 'Error validating client secret.');
        return longLived(token);
      },
    },
    {
      method: 'GET', host: 'graph.instagram.com', path: graphPath('refresh_access_token'),
      handle: ({ query }) => {
        if (query.get('grant_type') !== 'ig_refresh_token') return graphError(400, 100, 'Unsupported grant_type');
        const token = graphToken(state, 'instagram', query.get('access_token'));
        if ('status' in token) return token;
        // Instagram documents the rule but not its error body; this one is the sandbox's own wording.
        if (state.now() - token.issuedAt < REFRESH_MIN_AGE_MS) return graphError(400, 100, 'The access token must be at least 24 hours old to be refreshed', { type: 'IGApiException' });
        return longLived(token);
      },
    },
    {
      method: 'GET', host: 'graph.instagram.com', path: graphPath('me'),
      handle: (request) => {
        const token = graphToken(state, 'instagram', request.bearer());
        if ('status' in token) return token;
        const profile = { ...instagramProfile(token.account), media_count: state.catalogue('instagram', token.account.login, INSTAGRAM_KINDS).count };
        const fields = selectFields(profile, request.query.get('fields'), ['id'], 'IGUser');
        return 'error' in fields ? fields.error : { status: 200, body: fields.selected };
      },
    },
    ...instagramContentRoutes(state),
  ];
};
