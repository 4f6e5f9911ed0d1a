/**
 * X's OAuth 2.0 authorization code flow with mandatory PKCE and `GET /2/users/me`, in their real wire formats
 * (../shared/contracts/third-party-apis.md §1 and §2): the consent page, single-use 30-second codes, confidential
 * clients authenticated with HTTP Basic, access tokens of 7200 s, refresh tokens that rotate (the old one dies), and
 * X's errors: `invalid_request` for any bad code or token, problem JSON on the API. The user's posts and rate windows
 * are x-content.ts.
 *
 * Tokens and codes live in the shared SandboxState under platform `twitter`, so a test can expire or revoke them.
 */
import { userFields, userOf, xApiRoute, xCatalogue, xContentApi } from './x-content.ts';
import { consentPage, pkceMatches, redirectTo, SandboxState, type IssuedToken, type ProviderModule, type SandboxRequest, type SandboxResponse } from './server.ts';

export { tweetIdOf, xCatalogue, xPostFacts, xRateLimits } from './x-content.ts';

const ACCESS_TOKEN_SECONDS = 7200;
/** X documents no lifetime for refresh tokens; they die by rotation or revocation. */
const REFRESH_TOKEN_SECONDS = 180 * 86_400;
const CODE_SECONDS = 30;
const AUTHORIZE_PATH = '/i/oauth2/authorize';
const KNOWN_SCOPES = new Set(['tweet.read', 'tweet.write', 'tweet.moderate.write', 'users.read', 'users.email', 'follows.read',
  'follows.write', 'offline.access', 'space.read', 'mute.read', 'mute.write', 'like.read', 'like.write', 'list.read', 'list.write',
  'block.read', 'block.write', 'bookmark.read', 'bookmark.write', 'media.write', 'dm.read', 'dm.write']);
const USER_FIELDS = new Set(['affiliation', 'confirmed_email', 'connection_status', 'created_at', 'description', 'entities', 'id',
  'is_identity_verified', 'location', 'most_recent_tweet_id', 'name', 'parody', 'pinned_tweet_id', 'profile_banner_url',
  'profile_image_url', 'protected', 'public_metrics', 'receives_your_dm', 'subscription', 'subscription_type', 'url', 'username',
  'verified', 'verified_followers_count', 'verified_type', 'withheld']);
const LOGIN = /^[A-Za-z0-9._-]{1,64}$/;

/** The X user id the sandbox gives a login (digits, stable across runs). */
export const xUserId = (state: SandboxState, login: string) => state.account('twitter', login).id;

interface AuthorizeRequest {
  page?: never;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  state: string;
  codeChallenge: string;
  codeChallengeMethod: string;
}

export const x: ProviderModule = (state) => {
  /** The authorize parameters checked before the consent page; X shows one generic page for every mistake. */
  const checkAuthorize = (params: URLSearchParams): { page: SandboxResponse } | AuthorizeRequest => {
    const clientId = params.get('client_id');
    const redirectUri = params.get('redirect_uri');
    const scopes = (params.get('scope') ?? '').split(' ').filter(Boolean);
    const stateParam = params.get('state');
    const codeChallenge = params.get('code_challenge');
    const codeChallengeMethod = params.get('code_challenge_method') ?? 'plain';
    const problem = !clientId || !state.clients.has(clientId) ? 'client_id is not a registered app'
      : !redirectUri || !URL.canParse(redirectUri) ? 'redirect_uri is missing'
      : params.get('response_type') !== 'code' ? 'response_type must be code'
      : scopes.length === 0 || scopes.some((s) => !KNOWN_SCOPES.has(s)) ? `scope has an unknown scope: ${params.get('scope') ?? ''}`
      : !stateParam ? 'state is missing'
      : !codeChallenge ? 'code_challenge is missing (PKCE is mandatory)'
      : codeChallengeMethod !== 'S256' && codeChallengeMethod !== 'plain' ? 'code_challenge_method must be S256 or plain'
      : undefined;
    if (problem) return { page: errorPage(problem) };
    return { clientId: clientId!, redirectUri: redirectUri!, scopes, state: stateParam!, codeChallenge: codeChallenge!, codeChallengeMethod };
  };

  /** The Basic-authenticated confidential client, or undefined (X then answers 401 unauthorized_client). */
  const authenticatedClient = (request: SandboxRequest): string | undefined => {
    const encoded = /^Basic (\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const [id, secret] = encoded ? Buffer.from(encoded, 'base64').toString('utf8').split(/:(.*)/s) : [];
    if (!id || secret === undefined || state.clients.get(id) !== secret) return undefined;
    const bodyClientId = request.form().get('client_id');
    return bodyClientId === null || bodyClientId === id ? id : undefined;
  };

  const issueTokens = ({ clientId, account, scopes }: Pick<IssuedToken, 'clientId' | 'account' | 'scopes'>) => ({
    token_type: 'bearer',
    expires_in: ACCESS_TOKEN_SECONDS,
    access_token: state.issueToken({ platform: 'twitter', kind: 'access', clientId, account, scopes }, ACCESS_TOKEN_SECONDS),
    scope: scopes.join(' '),
    // Only a grant with offline.access gets a refresh token.
    ...(scopes.includes('offline.access') ? { refresh_token: state.issueToken({ platform: 'twitter', kind: 'refresh', clientId, account, scopes }, REFRESH_TOKEN_SECONDS) } : {}),
  });

  const exchangeCode = (form: URLSearchParams, clientId: string): SandboxResponse => {
    for (const name of ['code', 'redirect_uri', 'code_verifier']) {
      if (!form.get(name)) return oauthError(`Missing required parameter [${name}].`);
    }
    const code = state.codes.get(form.get('code')!);
    const used = code?.used;
    if (code) code.used = true;
    if (!code || used || code.platform !== 'twitter' || code.clientId !== clientId || code.expiresAt <= state.now()
      || code.redirectUri !== form.get('redirect_uri') || !pkceMatches(code, form.get('code_verifier'))) {
      return oauthError('Value passed for the authorization code was invalid.');
    }
    return { status: 200, body: issueTokens(code) };
  };

  const refresh = (form: URLSearchParams, clientId: string): SandboxResponse => {
    const token = state.tokens.get(form.get('refresh_token') ?? '');
    if (!token || token.platform !== 'twitter' || token.kind !== 'refresh' || token.clientId !== clientId || token.revoked
      || token.rotated || token.expiresAt <= state.now()) return oauthError('Value passed for the token was invalid.');
    token.rotated = true;
    return { status: 200, body: issueTokens(token) };
  };

  return [
    {
      method: 'GET', host: 'x.com', path: AUTHORIZE_PATH,
      handle: ({ query }) => {
        const checked = checkAuthorize(query);
        if (checked.page) return checked.page;
        // Relative to the page's own URL, so it posts back to the sandbox wherever it runs.
        return consentPage({ provider: 'X', appName: 'StreamVibe (sandbox)', scopes: checked.scopes, action: 'authorize', params: query });
      },
    },
    {
      method: 'POST', host: 'x.com', path: AUTHORIZE_PATH,
      handle: (request) => {
        const params = request.form();
        const checked = checkAuthorize(params);
        if (checked.page) return checked.page;
        if (params.get('decision') !== 'allow') return redirectTo(checked.redirectUri, { error: 'access_denied', state: checked.state });
        const login = params.get('login') ?? '';
        if (!LOGIN.test(login)) return errorPage('the login must be letters, digits, dots, dashes or underscores');
        const code = state.issueCode({ platform: 'twitter', clientId: checked.clientId, redirectUri: checked.redirectUri, scopes: checked.scopes,
          account: state.account('twitter', login), codeChallenge: checked.codeChallenge, codeChallengeMethod: checked.codeChallengeMethod }, CODE_SECONDS);
        return redirectTo(checked.redirectUri, { state: checked.state, code });
      },
    },
    {
      method: 'POST', host: 'api.x.com', path: '/2/oauth2/token',
      handle: (request) => {
        const clientId = authenticatedClient(request);
        if (!clientId) return { status: 401, body: { error: 'unauthorized_client', error_description: 'Missing valid authorization header' } };
        const form = request.form();
        const grantType = form.get('grant_type');
        if (grantType === 'authorization_code') return exchangeCode(form, clientId);
        if (grantType === 'refresh_token') return refresh(form, clientId);
        return oauthError('Value passed for the grant type was invalid.');
      },
    },
    {
      method: 'POST', host: 'api.x.com', path: '/2/oauth2/revoke',
      handle: (request) => {
        const clientId = authenticatedClient(request);
        if (!clientId) return { status: 401, body: { error: 'unauthorized_client', error_description: 'Missing valid authorization header' } };
        const token = state.tokens.get(request.form().get('token') ?? '');
        // RFC 7009: revoking a refresh token ends the grant; an access token goes alone. Unknown tokens answer 200 too.
        if (token && token.platform === 'twitter' && token.clientId === clientId) {
          if (token.kind === 'refresh') state.revokeGrant(token);
          else token.revoked = true;
        }
        return { status: 200, body: { revoked: true } };
      },
    },
    xApiRoute(state, 'users/me', '/2/users/me', (token, query) => {
      const unknown = (query.get('user.fields') ?? '').split(',').filter((f) => f && !USER_FIELDS.has(f));
      if (unknown.length > 0) {
        return { status: 400, body: {
          errors: [{ parameters: { 'user.fields': [unknown.join(',')] }, message: `The \`user.fields\` query parameter value [${unknown[0]}] is not one of [${[...USER_FIELDS].join(',')}]` }],
          title: 'Invalid Request', detail: 'One or more parameters to your request was invalid.', type: 'https://api.twitter.com/2/problems/invalid-request',
        } };
      }
      return { status: 200, body: { data: userFields(userOf(token.account, xCatalogue(state, token.account.login).count), query) } };
    }),
    ...xContentApi(state),
  ];
};

const oauthError = (description: string): SandboxResponse => ({ status: 400, body: { error: 'invalid_request', error_description: description } });

/** X's page for a bad authorize request: the same words whatever the mistake; the sandbox adds which one. */
function errorPage(detail: string): SandboxResponse {
  const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return {
    status: 400,
    headers: { 'content-type': 'text/html; charset=utf-8' },
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>X</title></head>
<body><h1>Something went wrong</h1><p>You weren’t able to give access to the App. Go back and try logging in again.</p>
<p><small>Sandbox: ${escape(detail)}</small></p></body></html>`,
  };
}
