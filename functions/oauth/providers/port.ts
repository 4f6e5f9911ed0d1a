/**
 * The OAuth port: what the oauth feature (and later sync) needs from a platform, whatever its wire format. One adapter
 * per platform (providers/<slug>.ts) implements it over `fetch`; the feature never sees a provider's URL or JSON.
 */

export const PLATFORMS = ['youtube', 'instagram', 'tiktok', 'facebook', 'twitter'] as const;
export type Platform = (typeof PLATFORMS)[number];
/** How people call each platform (in messages and summaries). */
export const PLATFORM_NAMES: Record<Platform, string> = {
  youtube: 'YouTube', instagram: 'Instagram', tiktok: 'TikTok', facebook: 'Facebook', twitter: 'X',
};

/** A platform app's credentials (from the stage's `oauth-clients` secret) and where its redirect comes back. */
export interface ClientConfig {
  clientId: string;
  clientSecret: string;
  /** The callback URL registered with the provider: `<api>/oauth-<slug>-callback`. */
  redirectUri: string;
}

/**
 * Where a provider's hosts are. In production each real host (`oauth2.googleapis.com`); with a sandbox base URL
 * (`PLATFORM_API_BASE_URL`, set by `npm start` and the tests), `<base>/<real host>` — the sandbox serves every
 * provider's real paths under its real host name.
 */
export type HostResolver = (host: string) => string;
export const realHosts: HostResolver = (host) => `https://${host}`;
export const sandboxHosts = (base: string): HostResolver => (host) => `${base.replace(/\/$/, '')}/${host}`;

/** What the provider gave us. Everything here goes to the TokenVault (Secrets Manager), never to the database. */
export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  /** When the access token dies (from `expires_in`; absent when the provider gives no lifetime). */
  expiresAt?: string;
  refreshExpiresAt?: string;
  /** Scopes granted (may be fewer than asked). */
  scopes: string[];
  /** Provider extras the API calls need: TikTok's open_id, Instagram's user id, Facebook's Page id and Page token. */
  extra?: Record<string, string>;
}

/** The account the tokens belong to, as stored in platform_connection / social_account. */
export interface AccountIdentity {
  /** The provider's stable id: YouTube channel id, IG user id, TikTok open_id, Facebook Page id, X user id. */
  platformAccountId: string;
  handle?: string;
  displayName: string;
  avatarUrl?: string;
  profileUrl?: string;
  bio?: string;
  followerCount?: number;
  followingCount?: number;
  contentCount?: number;
  totalViews?: number;
}

/** Why a provider call failed, in the terms the feature acts on. */
export type ProviderErrorKind =
  /** The code or refresh token is invalid, expired, reused or revoked: the user must reconnect; never retried. */
  | 'invalid_grant'
  /** Our app's credentials are wrong (operators' problem, logged; users see a generic message); never retried. */
  | 'invalid_client'
  /** The user declined, or a permission we need was not granted. */
  | 'access_denied'
  /** 429 / throttling codes: retry after `retryAfterSeconds` when given. */
  | 'rate_limited'
  /** 5xx, network errors, timeouts: retry with backoff. */
  | 'unavailable'
  /** Anything else the provider rejected (a bad request, an answer we cannot read): a bug, not retried. */
  | 'bad_response';

export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  constructor(
    readonly platform: Platform,
    readonly kind: ProviderErrorKind,
    message: string,
    readonly details: { status?: number; providerCode?: string; retryAfterSeconds?: number } = {},
  ) {
    super(message);
  }
  get retryable(): boolean {
    return this.kind === 'rate_limited' || this.kind === 'unavailable';
  }
}

export interface AuthorizeRequest {
  state: string;
  /** PKCE verifier (43–128 chars of [A-Za-z0-9-._~]); adapters whose provider takes PKCE derive the challenge. */
  codeVerifier: string;
}

export interface OAuthProvider {
  readonly platform: Platform;
  /** The scopes asked for: read-only, just what sync needs. */
  readonly scopes: readonly string[];
  /** Whether the provider's flow uses PKCE (then the verifier goes into exchangeCode). */
  readonly usesPkce: boolean;
  /** The provider's real authorize URL (on the resolved host) with client id, redirect URI, scopes, state, PKCE. */
  authorizeUrl(request: AuthorizeRequest): string;
  /** Code → tokens (for Instagram and Facebook: already exchanged for the long-lived token). */
  exchangeCode(code: string, codeVerifier: string): Promise<TokenSet>;
  /**
   * New tokens from the stored ones: a refresh grant (the new refresh token replaces a rotating one; a provider that
   * sends none keeps the old), or Instagram's / Facebook's long-lived token extension.
   */
  refresh(tokens: TokenSet): Promise<TokenSet>;
  /** Revokes the grant at the provider, where it has an endpoint (absent otherwise). */
  revoke?(tokens: TokenSet): Promise<void>;
  /** The account the tokens act for (channel / IG user / TikTok user / Page / X user). */
  identity(tokens: TokenSet): Promise<AccountIdentity>;
}

export interface ProviderOptions {
  client: ClientConfig;
  hosts: HostResolver;
  /** Injected for the tests' clock; default Date.now. */
  now?: () => number;
  fetch?: typeof fetch;
}
