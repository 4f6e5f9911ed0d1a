/**
 * Google's OAuth 2.0 web server flow, in its real wire format (../shared/contracts/third-party-apis.md §1): the consent
 * page, single-use 10-minute codes with PKCE, access tokens of 3599 s, refresh tokens that never rotate, revocation of
 * the whole grant, and Google's error bodies; with the YouTube Data API (channels, uploads, videos) of google-content.ts.
 *
 * Tokens and codes live in the shared SandboxState under platform `youtube`, so a test can expire or revoke them.
 * Two logins are special: `no-channel` is a Google account without a YouTube channel, `hidden-subscribers` a channel
 * that hides its subscriber count.
 */
import { YOUTUBE_SCOPES, youtubeDataApi } from './google-content.ts';
import { consentPage, pkceMatches, redirectTo, type IssuedToken, type ProviderModule, type SandboxRequest, type SandboxResponse } from './server.ts';

export {
  GOOGLE_HIDDEN_SUBSCRIBERS_LOGIN, GOOGLE_NO_CHANNEL_LOGIN, youtubeCatalogue, youtubeChannelId, youtubeQuota, youtubeVideoFacts,
} from './google-content.ts';

const ACCESS_TOKEN_SECONDS = 3599;
/** Google's refresh tokens do not expire by time for a published app; they die by revocation. */
const REFRESH_TOKEN_SECONDS = 10 * 365 * 86_400;
const AUTHORIZE_PATH = '/o/oauth2/v2/auth';
const KNOWN_SCOPES = new Set([...YOUTUBE_SCOPES, 'openid', 'email', 'profile', 'https://www.googleapis.com/auth/userinfo.email',
  'https://www.googleapis.com/auth/userinfo.profile', 'https://www.googleapis.com/auth/yt-analytics.readonly']);
const LOGIN = /^[A-Za-z0-9._-]{1,64}$/;

interface AuthorizeRequest {
  page?: never;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  codeChallenge: string | undefined;
  codeChallengeMethod: string | undefined;
}

export const google: ProviderModule = (state) => {
  /**
   * Codes that earn a refresh token: asked with access_type=offline, on the first consent of an account to a client or
   * with prompt=consent (Google sends none when a user merely signs in again).
   */
  const refreshableCodes = new Set<string>();
  const consented = new Set<string>();
  const isGoogleClient = (id: string | null): id is string => !!id && id.endsWith('.apps.googleusercontent.com') && state.clients.has(id);

  /** The authorize parameters checked as Google does before it shows anything; an error page when they are wrong. */
  const checkAuthorize = (params: URLSearchParams): { page: SandboxResponse } | AuthorizeRequest => {
    const clientId = params.get('client_id');
    if (!isGoogleClient(clientId)) return { page: errorPage(401, 'invalid_client', 'The OAuth client was not found.') };
    const redirectUri = params.get('redirect_uri');
    if (!redirectUri || !URL.canParse(redirectUri)) return { page: errorPage(400, 'invalid_request', 'Required parameter is missing: redirect_uri') };
    if (params.get('response_type') !== 'code') return { page: errorPage(400, 'invalid_request', `Invalid response_type: ${params.get('response_type') ?? ''}`) };
    const scopes = (params.get('scope') ?? '').split(' ').filter(Boolean);
    const unknown = scopes.filter((s) => !KNOWN_SCOPES.has(s));
    if (scopes.length === 0) return { page: errorPage(400, 'invalid_request', 'Missing required parameter: scope') };
    if (unknown.length > 0) return { page: errorPage(400, 'invalid_scope', `Some requested scopes were invalid. {invalid=[${unknown.join(', ')}]}`) };
    const method = params.get('code_challenge_method') ?? (params.has('code_challenge') ? 'plain' : undefined);
    if (method !== undefined && method !== 'S256' && method !== 'plain') return { page: errorPage(400, 'invalid_request', 'Invalid code_challenge_method') };
    return { clientId, redirectUri, scopes, codeChallenge: params.get('code_challenge') ?? undefined, codeChallengeMethod: method };
  };

  const issueTokens = ({ clientId, account, scopes }: Pick<IssuedToken, 'clientId' | 'account' | 'scopes'>, withRefreshToken: boolean) => ({
    access_token: state.issueToken({ platform: 'youtube', kind: 'access', clientId, account, scopes }, ACCESS_TOKEN_SECONDS, 'ya29.'),
    expires_in: ACCESS_TOKEN_SECONDS,
    ...(withRefreshToken ? { refresh_token: state.issueToken({ platform: 'youtube', kind: 'refresh', clientId, account, scopes }, REFRESH_TOKEN_SECONDS, '1//') } : {}),
    scope: scopes.join(' '),
    token_type: 'Bearer',
  });

  const exchangeCode = (request: SandboxRequest, clientId: string): SandboxResponse => {
    const body = request.form();
    const value = body.get('code');
    if (!value) return oauthError(400, 'invalid_request', 'Missing required parameter: code');
    const code = state.codes.get(value);
    if (!code || code.platform !== 'youtube') return oauthError(400, 'invalid_grant', 'Malformed auth code.');
    // A code is spent by its first use, whatever the outcome.
    const { used } = code;
    code.used = true;
    if (used || code.expiresAt <= state.now() || code.clientId !== clientId) return oauthError(400, 'invalid_grant', 'Bad Request');
    if (body.get('redirect_uri') !== code.redirectUri) return oauthError(400, 'invalid_grant', 'Bad Request');
    if (code.codeChallenge && !body.get('code_verifier')) return oauthError(400, 'invalid_grant', 'Missing code verifier.');
    if (!pkceMatches(code, body.get('code_verifier'))) return oauthError(400, 'invalid_grant', 'Invalid code verifier.');
    return json(200, issueTokens(code, refreshableCodes.has(value)));
  };

  const refresh = (request: SandboxRequest, clientId: string): SandboxResponse => {
    const token = state.tokens.get(request.form().get('refresh_token') ?? '');
    if (!token || token.platform !== 'youtube' || token.kind !== 'refresh' || token.clientId !== clientId || token.revoked || token.expiresAt <= state.now()) {
      return oauthError(400, 'invalid_grant', 'Token has been expired or revoked.');
    }
    return json(200, issueTokens(token, false));
  };

  return [
    {
      method: 'GET', host: 'accounts.google.com', path: AUTHORIZE_PATH,
      handle: ({ query }) => {
        const checked = checkAuthorize(query);
        if (checked.page) return checked.page;
        // Relative to the page's own URL, so it posts back to the sandbox wherever it runs.
        return consentPage({ provider: 'Google', appName: 'StreamVibe (sandbox)', scopes: checked.scopes, action: 'auth', params: query });
      },
    },
    {
      method: 'POST', host: 'accounts.google.com', path: AUTHORIZE_PATH,
      handle: (request) => {
        const params = request.form();
        const checked = checkAuthorize(params);
        if (checked.page) return checked.page;
        const stateParam = params.get('state') ?? undefined;
        if (params.get('decision') !== 'allow') return redirectTo(checked.redirectUri, { error: 'access_denied', state: stateParam });
        const login = params.get('login') ?? '';
        if (!LOGIN.test(login)) return errorPage(400, 'invalid_request', 'Sign in with a login of letters, digits, dots, dashes or underscores');
        const account = state.account('youtube', login, 'UC');
        const code = state.issueCode({ platform: 'youtube', clientId: checked.clientId, redirectUri: checked.redirectUri, scopes: checked.scopes,
          account, codeChallenge: checked.codeChallenge, codeChallengeMethod: checked.codeChallengeMethod });
        const grant = `${checked.clientId} ${account.id}`;
        const prompts = (params.get('prompt') ?? '').split(' ');
        if (params.get('access_type') === 'offline' && (!consented.has(grant) || prompts.includes('consent'))) refreshableCodes.add(code);
        consented.add(grant);
        return redirectTo(checked.redirectUri, { state: stateParam, code, scope: checked.scopes.join(' '), authuser: '0', prompt: params.get('prompt') ?? undefined });
      },
    },
    {
      method: 'POST', host: 'oauth2.googleapis.com', path: '/token',
      handle: (request) => {
        // The client's credentials in the form (client_secret_post), as the contract and the adapter have them.
        const form = request.form();
        const clientId = form.get('client_id');
        if (!isGoogleClient(clientId)) return oauthError(401, 'invalid_client', 'The OAuth client was not found.');
        if (state.clients.get(clientId) !== form.get('client_secret')) return oauthError(401, 'invalid_client', 'Unauthorized');
        const grantType = form.get('grant_type');
        if (grantType === 'authorization_code') return exchangeCode(request, clientId);
        if (grantType === 'refresh_token') return refresh(request, clientId);
        return oauthError(400, 'unsupported_grant_type', `Invalid grant_type: ${grantType ?? ''}`);
      },
    },
    {
      method: 'POST', host: 'oauth2.googleapis.com', path: '/revoke',
      handle: (request) => {
        const value = request.form().get('token') ?? request.query.get('token') ?? '';
        const token = state.tokens.get(value);
        if (!token || token.platform !== 'youtube' || token.revoked || token.expiresAt <= state.now()) return oauthError(400, 'invalid_token', 'Token expired or revoked');
        state.revokeGrant(token);
        return json(200, {});
      },
    },
    ...youtubeDataApi(state),
  ];
};

const json = (status: number, body: unknown): SandboxResponse => ({ status, body, headers: { 'cache-control': 'no-cache, no-store, max-age=0, must-revalidate' } });
const oauthError = (status: number, error: string, description: string) => json(status, { error, error_description: description });

/** Google's "Access blocked" page: what a person sees when the app's authorize request is wrong. */
function errorPage(status: number, code: string, detail: string): SandboxResponse {
  const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Error ${status} (${escape(code)})</title></head>
<body><h1>Access blocked: Authorization Error</h1><p>${escape(detail)}</p><p><strong>Error ${status}: ${escape(code)}</strong></p></body></html>`,
  };
}
