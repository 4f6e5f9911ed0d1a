/**
 * Google's Indexing API and its service-account grant, in their real wire formats (../shared/contracts/third-party-apis.md
 * §4): `POST oauth2.googleapis.com/token` with the JWT-bearer grant (the RS256 signature checked against the public key
 * of a key the sandbox issued, the claims against the clock), then `indexing.googleapis.com/v3/urlNotifications:publish`
 * and `…/metadata` with Google's error bodies: 401 UNAUTHENTICATED, 403 PERMISSION_DENIED for a URL outside the
 * account's properties, 429 RESOURCE_EXHAUSTED when the project's 200 publishes a day (reset at midnight Pacific) or
 * 380 requests a minute run out.
 *
 * Every publish that passes the quota gate counts, whatever its answer (Google counts requests, not successes).
 */
import { generateKeyPairSync, randomBytes, randomInt, type KeyObject } from 'node:crypto';
import { compactVerify, decodeJwt, decodeProtectedHeader } from 'jose';
import type { ProviderModule, SandboxRequest, SandboxResponse } from '../platforms/server.ts';

export const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';
const INDEXING_SCOPE = 'https://www.googleapis.com/auth/indexing';
const ACCESS_TOKEN_SECONDS = 3599;
const MAX_ASSERTION_SECONDS = 3600;
/** How far ahead an assertion's `iat` may be (clock skew Google tolerates, roughly). */
const CLOCK_SKEW_SECONDS = 300;

/** The JSON key a person downloads from IAM → Service accounts → Keys. */
export interface ServiceAccountJson {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  auth_uri: string;
  token_uri: string;
  auth_provider_x509_cert_url: string;
  client_x509_cert_url: string;
  universe_domain: string;
}

export interface UrlNotification {
  url: string;
  type: 'URL_UPDATED' | 'URL_DELETED';
  notifyTime: string;
}

interface Limits {
  publishPerDay: number;
  requestsPerMinute: number;
}

/** The projects, accounts, keys, owned properties, quotas and notifications a test arranges and reads. */
export class GoogleSeoState {
  private readonly accounts = new Map<string, { projectId: string; keys: Map<string, KeyObject> }>();
  private readonly owners = new Map<string, Set<string>>();
  private readonly limits = new Map<string, Limits>();
  private readonly usage = new Map<string, { day: string; publishes: number; minute: number; requests: number }>();
  readonly tokens = new Map<string, { email: string; scopes: string[]; expiresAt: number }>();
  readonly notifications = new Map<string, { latestUpdate?: UrlNotification; latestRemove?: UrlNotification }>();
  constructor(readonly now: () => number) {}

  /** A new key for the account `<name>@<project>.iam.gserviceaccount.com` (created on first use): the JSON its owner downloads. */
  serviceAccount({ project = 'streamvibe-seo', name = 'indexer' }: { project?: string; name?: string } = {}): ServiceAccountJson {
    const email = `${name}@${project}.iam.gserviceaccount.com`;
    let account = this.accounts.get(email);
    if (!account) this.accounts.set(email, account = { projectId: project, keys: new Map() });
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyId = randomBytes(20).toString('hex');
    account.keys.set(keyId, publicKey);
    return {
      type: 'service_account', project_id: project, private_key_id: keyId,
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), client_email: email,
      client_id: String(randomInt(1e9, 1e10 - 1)) + String(randomInt(1e9, 1e10 - 1)), auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: GOOGLE_TOKEN_URI, auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
      client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(email)}`, universe_domain: 'googleapis.com',
    };
  }

  /** Deletes a key in the console: assertions it signs are refused from now on. */
  deleteKey(key: Pick<ServiceAccountJson, 'client_email' | 'private_key_id'>): void {
    this.accounts.get(key.client_email)?.keys.delete(key.private_key_id);
  }

  /** Adds the account as an owner of a Search Console property (`https://www.example.com/` or `sc-domain:example.com`). */
  own(email: string, property: string): void {
    let owned = this.owners.get(email);
    if (!owned) this.owners.set(email, owned = new Set());
    owned.add(property);
  }

  setQuota(project: string, limits: Partial<Limits>): void {
    this.limits.set(project, { ...this.limitsOf(project), ...limits });
  }

  /** Publish requests the project has made today (Pacific time). */
  publishesToday(project: string): number {
    const usage = this.usage.get(project);
    return usage && usage.day === pacificDay(this.now()) ? usage.publishes : 0;
  }

  /** Forgets tokens, owners, quotas, usage and notifications; accounts and their keys stay (RSA keys are slow to make). */
  reset(): void {
    for (const map of [this.owners, this.limits, this.usage, this.tokens, this.notifications]) map.clear();
  }

  account(email: string) {
    return this.accounts.get(email);
  }

  owns(email: string, url: string): boolean {
    if (!URL.canParse(url)) return false;
    const { href, host } = new URL(url);
    return [...(this.owners.get(email) ?? [])].some((property) => property.startsWith('sc-domain:')
      ? host === property.slice(10) || host.endsWith(`.${property.slice(10)}`)
      : href.startsWith(property));
  }

  /** Counts a request against the project's quotas, or the 429 Google answers when one is spent. */
  meter(project: string, kind: 'publish' | 'read'): SandboxResponse | undefined {
    const limits = this.limitsOf(project);
    const now = this.now();
    const minute = Math.floor(now / 60_000);
    const day = pacificDay(now);
    let usage = this.usage.get(project);
    if (!usage) this.usage.set(project, usage = { day, publishes: 0, minute, requests: 0 });
    if (usage.minute !== minute) Object.assign(usage, { minute, requests: 0 });
    if (usage.day !== day) Object.assign(usage, { day, publishes: 0 });
    if (usage.requests >= limits.requestsPerMinute) return quotaExceeded('Queries', 'Queries per minute', 'DefaultRequestsPerMinutePerProject', limits.requestsPerMinute, project);
    if (kind === 'publish' && usage.publishes >= limits.publishPerDay) {
      return quotaExceeded('Publish requests', 'Publish requests per day', 'DefaultPublishRequestsPerDayPerProject', limits.publishPerDay, project);
    }
    usage.requests += 1;
    if (kind === 'publish') usage.publishes += 1;
    return undefined;
  }

  private limitsOf(project: string): Limits {
    return this.limits.get(project) ?? { publishPerDay: 200, requestsPerMinute: 380 };
  }
}

const pacificDay = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Los_Angeles' }).format(ms);
/** A stable project number for the error bodies. */
const projectNumber = (project: string) => String([...project].reduce((n, c) => (n * 31 + c.charCodeAt(0)) % 1e12, 7)).padStart(12, '1');

const googleError = (code: number, status: string, message: string, extra: Record<string, unknown> = {}): SandboxResponse =>
  ({ status: code, body: { error: { code, message, ...extra, status } } });

function quotaExceeded(metric: string, limitName: string, limitId: string, value: number, project: string): SandboxResponse {
  const message = `Quota exceeded for quota metric '${metric}' and limit '${limitName}' of service 'indexing.googleapis.com' for consumer 'project_number:${projectNumber(project)}'.`;
  return googleError(429, 'RESOURCE_EXHAUSTED', message, {
    errors: [{ message, domain: 'global', reason: 'rateLimitExceeded' }],
    details: [{
      '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'RATE_LIMIT_EXCEEDED', domain: 'googleapis.com',
      metadata: {
        service: 'indexing.googleapis.com', consumer: `projects/${projectNumber(project)}`, quota_metric: 'indexing.googleapis.com/v3_publish_requests',
        quota_limit: limitId, quota_limit_value: String(value),
      },
    }],
  });
}

const oauthError = (status: number, error: string, description: string): SandboxResponse => ({ status, body: { error, error_description: description } });
const unauthenticated = () => googleError(401, 'UNAUTHENTICATED',
  'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.');
const notOwner = () => googleError(403, 'PERMISSION_DENIED', 'Permission denied. Failed to verify the URL ownership.');

/** oauth2.googleapis.com/token with the JWT-bearer grant, and indexing.googleapis.com. */
export const googleSeo = (state: GoogleSeoState): ProviderModule => () => {
  async function token(request: SandboxRequest): Promise<SandboxResponse> {
    const form = request.form();
    const grantType = form.get('grant_type');
    if (grantType !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return oauthError(400, 'unsupported_grant_type', `Invalid grant_type: ${grantType ?? ''}`);
    const assertion = form.get('assertion');
    if (!assertion) return oauthError(400, 'invalid_request', 'Missing required parameter: assertion');
    let claims: ReturnType<typeof decodeJwt>;
    let kid: string | undefined;
    try {
      claims = decodeJwt(assertion);
      kid = decodeProtectedHeader(assertion).kid;
    } catch {
      return oauthError(400, 'invalid_grant', 'Invalid JWT: the assertion is not a JWS.');
    }
    const account = typeof claims.iss === 'string' ? state.account(claims.iss) : undefined;
    if (!account) return oauthError(400, 'invalid_grant', 'Invalid grant: account not found');
    const keys = kid ? [account.keys.get(kid)].filter((key) => key !== undefined) : [...account.keys.values()];
    const verified = await Promise.all(keys.map((key) => compactVerify(assertion, key, { algorithms: ['RS256'] }).then(() => true, () => false)));
    if (!verified.includes(true)) return oauthError(400, 'invalid_grant', 'Invalid JWT Signature.');
    if (claims.aud !== GOOGLE_TOKEN_URI) return oauthError(400, 'invalid_grant', `Invalid JWT: Failed audience check. The right audience is ${GOOGLE_TOKEN_URI}`);
    const nowSeconds = Math.floor(state.now() / 1000);
    const { iat, exp } = claims;
    if (typeof iat !== 'number' || typeof exp !== 'number' || exp - iat > MAX_ASSERTION_SECONDS || exp <= nowSeconds || iat > nowSeconds + CLOCK_SKEW_SECONDS) {
      return oauthError(400, 'invalid_grant', 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.');
    }
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [];
    if (scopes.length === 0) return oauthError(400, 'invalid_scope', 'Invalid OAuth scope or ID token audience provided.');
    const accessToken = `ya29.c.${randomBytes(48).toString('base64url')}`;
    state.tokens.set(accessToken, { email: claims.iss!, scopes, expiresAt: state.now() + ACCESS_TOKEN_SECONDS * 1000 });
    return { status: 200, body: { access_token: accessToken, expires_in: ACCESS_TOKEN_SECONDS, token_type: 'Bearer' } };
  }

  /** The caller's account and project, or the 401/403/429 Google answers first. */
  function authorize(request: SandboxRequest, kind: 'publish' | 'read'): { email: string } | { refusal: SandboxResponse } {
    const value = request.bearer();
    const issued = value === undefined ? undefined : state.tokens.get(value);
    if (!issued || issued.expiresAt <= state.now()) return { refusal: unauthenticated() };
    if (!issued.scopes.includes(INDEXING_SCOPE)) {
      return { refusal: googleError(403, 'PERMISSION_DENIED', 'Request had insufficient authentication scopes.', { details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT', domain: 'googleapis.com' }] }) };
    }
    const refusal = state.meter(state.account(issued.email)!.projectId, kind);
    return refusal ? { refusal } : { email: issued.email };
  }

  function publish(request: SandboxRequest): SandboxResponse {
    const caller = authorize(request, 'publish');
    if ('refusal' in caller) return caller.refusal;
    const body = request.json() as { url?: unknown; type?: unknown } | undefined;
    const url = body?.url;
    if (typeof url !== 'string' || !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
      return googleError(400, 'INVALID_ARGUMENT', `Invalid value at 'url_notification.url' (TYPE_STRING), ${JSON.stringify(url ?? null)}`);
    }
    if (body?.type !== 'URL_UPDATED' && body?.type !== 'URL_DELETED') {
      return googleError(400, 'INVALID_ARGUMENT', `Invalid value at 'url_notification.type' (type.googleapis.com/google.indexing.v3.UrlNotificationType), ${JSON.stringify(body?.type ?? null)}`);
    }
    if (!state.owns(caller.email, url)) return notOwner();
    const notification: UrlNotification = { url, type: body.type, notifyTime: new Date(state.now()).toISOString() };
    const metadata = state.notifications.get(url) ?? {};
    if (body.type === 'URL_UPDATED') metadata.latestUpdate = notification;
    else metadata.latestRemove = notification;
    state.notifications.set(url, metadata);
    return { status: 200, body: { urlNotificationMetadata: { url, ...metadata } } };
  }

  function metadata(request: SandboxRequest): SandboxResponse {
    const caller = authorize(request, 'read');
    if ('refusal' in caller) return caller.refusal;
    const url = request.query.get('url');
    if (!url) return googleError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.');
    if (!state.owns(caller.email, url)) return notOwner();
    const found = state.notifications.get(url);
    return found ? { status: 200, body: { url, ...found } } : googleError(404, 'NOT_FOUND', 'Requested entity was not found.');
  }

  return [
    { method: 'POST', host: 'oauth2.googleapis.com', path: '/token', handle: token },
    { method: 'POST', host: 'indexing.googleapis.com', path: '/v3/urlNotifications:publish', handle: publish },
    { method: 'GET', host: 'indexing.googleapis.com', path: '/v3/urlNotifications/metadata', handle: metadata },
  ];
};
