/**
 * The search-engine port: what the seo feature needs from Google's Indexing API, IndexNow and Bing's URL Submission
 * API, whatever their wire formats (../shared/contracts/third-party-apis.md §4). One adapter per engine (google.ts,
 * indexnow.ts, bing.ts) implements it over `fetch`; the feature never sees an engine's URL, JSON or error body.
 */

export const SEARCH_ENGINES = ['google', 'indexnow', 'bing'] as const;
export type SearchEngineName = (typeof SEARCH_ENGINES)[number];

/**
 * Where an engine's hosts are: each real host in production (`indexing.googleapis.com`), `<base>/<real host>` with a
 * sandbox base URL (`SEO_API_BASE_URL`, set by `npm start` and the tests). The same shape as the oauth feature's
 * resolver, repeated here because features do not import each other.
 */
export type HostResolver = (host: string) => string;
export const realHosts: HostResolver = (host) => `https://${host}`;
export const sandboxHosts = (base: string): HostResolver => (host) => `${base.replace(/\/$/, '')}/${host}`;

/** A Google service account's JSON key, as downloaded from the Cloud console (the fields we use). */
export interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  private_key_id?: string;
  /** Always https://oauth2.googleapis.com/token in keys Google issues; the JWT's audience. */
  token_uri?: string;
}

export interface GoogleCredentials {
  serviceAccount: ServiceAccountKey;
  /** The Search Console property the account owns: `https://www.example.com/` (URL prefix) or `sc-domain:example.com`. */
  siteUrl: string;
}

export interface IndexNowCredentials {
  /** 8–128 characters of [a-zA-Z0-9-]. */
  key: string;
  /** Where the key file is when not at `https://<host>/<key>.txt` (it must be on the same host). */
  keyLocation?: string;
  /** The site's host, as in its URLs: `www.example.com`. */
  host: string;
}

export interface BingCredentials {
  /** Bing Webmaster Tools → Settings → API access (one key per user, for every site the user verified). */
  apiKey: string;
  /** The site as verified in Bing Webmaster Tools: `https://www.example.com/`. */
  siteUrl: string;
}

export interface EngineCredentials {
  google: GoogleCredentials;
  indexnow: IndexNowCredentials;
  bing: BingCredentials;
}

/** A change to announce. Every engine takes deletions: Google as URL_DELETED, the others recrawl and see the 404/410. */
export interface UrlNotification {
  url: string;
  type: 'updated' | 'deleted';
}

export type UrlOutcome = UrlNotification & (
  /** The engine took it (IndexNow's 202, key check pending, counts: `detail` says so). */
  | { status: 'accepted'; detail?: string }
  /** Refused for good: this URL (bad_request) or the site's set-up (not_verified, invalid_credentials). */
  | { status: 'rejected'; error: SeoEngineError }
  /** Not sent, or refused for a while (quota, rate limit, outage): send again at `error.details.retryAt` / after `retryAfterSeconds`. */
  | { status: 'deferred'; error: SeoEngineError });

/** What a submission spent of a daily quota. Absent for IndexNow, which has none. */
export interface QuotaInfo {
  /** Quota units this submission used (Google: publish requests; Bing: URLs). */
  spent: number;
  /** What is left today, when known (Bing says; for Google it is the caller's budget minus `spent`). */
  remaining?: number;
  /** The engine's daily limit, when known. */
  dailyLimit?: number;
  /** When the day's quota comes back (ISO 8601). */
  resetsAt: string;
}

export interface SubmitResult {
  engine: SearchEngineName;
  /** One per URL given, in the same order. */
  results: UrlOutcome[];
  /** HTTP requests made to the engine (token and quota reads included). */
  requests: number;
  quota?: QuotaInfo;
  /** The error that stopped the submission early (the URLs after it are deferred or rejected with it). */
  stoppedBy?: SeoEngineError;
}

export interface SubmitOptions {
  /** Quota units the caller still has today by its own ledger (Google's 200/day is not readable from the API). */
  budget?: number;
}

export type VerifyResult = { ok: true; details: string } | { ok: false; details: string; error: SeoEngineError };

export interface SearchEngine<N extends SearchEngineName = SearchEngineName> {
  readonly name: N;
  /** URLs one request can carry: Google 1 (one publish each), IndexNow 10,000, Bing 500. */
  readonly maxUrlsPerRequest: number;
  /** A connection check when the engine is set up: the credentials work and the site is verified. Never throws. */
  verify(credentials: EngineCredentials[N]): Promise<VerifyResult>;
  /** Announces the URLs. Never throws for an engine's answer: each URL gets its outcome. */
  submit(urls: readonly UrlNotification[], credentials: EngineCredentials[N], options?: SubmitOptions): Promise<SubmitResult>;
}

export interface EngineOptions {
  hosts: HostResolver;
  /** Injected for the tests' clock; default Date.now. */
  now?: () => number;
  fetch?: typeof fetch;
}

/** Why an engine call failed, in the terms the seo feature acts on. */
export type SeoEngineErrorKind =
  /** The daily quota is spent: send again at `retryAt` (Google: midnight Pacific; Bing: midnight UTC). */
  | 'quota_exhausted'
  /** 429 / throttling: send again after `retryAfterSeconds`. */
  | 'rate_limited'
  /** The site is not verified for these credentials (Google's ownership, IndexNow's key file, Bing's site): the message says what to fix. Never retried. */
  | 'not_verified'
  /** The credentials themselves are refused (a wrong or deleted key, a malformed IndexNow key): the message says what to fix. Never retried. */
  | 'invalid_credentials'
  /** The engine refused this request's content (a URL off the site, a malformed body): a bug or bad data, not retried. */
  | 'bad_request'
  /** 5xx, network errors, timeouts: retry with backoff. */
  | 'unavailable';

export interface SeoEngineErrorDetails {
  status?: number;
  /** The engine's own code: `RESOURCE_EXHAUSTED`, `invalid_grant`, Bing's `ErrorCode`, IndexNow's `errorCode`. */
  engineCode?: string;
  retryAfterSeconds?: number;
  /** ISO 8601. */
  retryAt?: string;
}

export class SeoEngineError extends Error {
  override readonly name = 'SeoEngineError';
  constructor(readonly engine: SearchEngineName, readonly kind: SeoEngineErrorKind, message: string,
    readonly details: SeoEngineErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
  }
  get retryable(): boolean {
    return this.kind === 'quota_exhausted' || this.kind === 'rate_limited' || this.kind === 'unavailable';
  }
}
