/**
 * The platform sandbox: one node:http server standing in for YouTube/Google, Instagram, TikTok, Facebook and X. Every
 * provider's real paths are served under its real host name (`<sandbox>/oauth2.googleapis.com/token`), so an adapter
 * differs from production only by its host resolver (functions/oauth/providers/port.ts, `PLATFORM_API_BASE_URL`).
 *
 * Each provider module (google.ts, instagram.ts, …) contributes routes; this file routes requests to them, keeps the
 * shared state (accounts, codes, tokens), counts calls and plays injected faults. Tests drive it in-process
 * (`sandbox.inject`, `sandbox.calls`); a person drives its consent pages in a browser.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Catalogue, type ItemKind } from './catalogue.ts';
import { SANDBOX_CLIENTS } from './clients.ts';

export interface SandboxRequest {
  method: string;
  host: string;
  /** The path under the host, with its leading slash: `/token`, `/v2/oauth/token/`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
  /** The body as a form (application/x-www-form-urlencoded). */
  form(): URLSearchParams;
  /** The body as JSON (undefined when it is not JSON). */
  json(): unknown;
  /** The bearer token of the Authorization header, or the `access_token` query parameter (Graph APIs take both). */
  bearer(): string | undefined;
}

export interface SandboxResponse {
  status: number;
  headers?: Record<string, string>;
  /** A string is sent as is (set content-type in headers); anything else as JSON. */
  body?: unknown;
}

export interface SandboxRoute {
  method: 'GET' | 'POST' | 'DELETE';
  host: string;
  /** An exact path, or a pattern whose groups the handler reads from `match`. */
  path: string | RegExp;
  handle(request: SandboxRequest, match: RegExpExecArray | undefined): SandboxResponse | Promise<SandboxResponse>;
}

/** A failure a test asks for: the next `times` matching calls answer this instead of the real handler. */
export interface Fault {
  host: string;
  /** Exact path, or a prefix ending in `*`. */
  path: string;
  method?: string;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** How many calls it answers (default 1). */
  times?: number;
  /** Matching calls to let through first (a failure on the 3rd page: `after: 2`). */
  after?: number;
}

export interface SandboxCall {
  method: string;
  host: string;
  path: string;
  status: number;
  at: number;
}

/** Who a consent page signs in as: any login a person types (or a test picks) is an account, generated from it. */
export interface SandboxAccount {
  platform: string;
  login: string;
  /** The provider's id for the account, stable for a login. */
  id: string;
}

export interface AuthorizationCode {
  platform: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  account: SandboxAccount;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  expiresAt: number;
  used: boolean;
}

export interface IssuedToken {
  platform: string;
  kind: 'access' | 'refresh';
  clientId: string;
  account: SandboxAccount;
  scopes: string[];
  issuedAt: number;
  expiresAt: number;
  revoked: boolean;
  /** A rotated refresh token stops working once its successor is issued. */
  rotated: boolean;
}

/** State shared by the provider modules: the in-memory tables a real provider keeps. */
export class SandboxState {
  readonly codes = new Map<string, AuthorizationCode>();
  readonly tokens = new Map<string, IssuedToken>();
  /** Registered apps: client id → secret. Any other client id is `invalid_client`. */
  readonly clients = new Map<string, string>();
  private readonly catalogues = new Map<string, Catalogue>();
  constructor(public now: () => number = Date.now) {}

  /** An account's content (catalogue.ts): generated on first use, then changed by tests between syncs. */
  catalogue(platform: string, login: string, kinds?: readonly ItemKind[]): Catalogue {
    const key = `${platform}:${login}`;
    let catalogue = this.catalogues.get(key);
    if (!catalogue) this.catalogues.set(key, catalogue = new Catalogue(platform, login, this.now(), kinds));
    return catalogue;
  }

  resetCatalogues(): void {
    this.catalogues.clear();
  }

  /** An account for a login on a platform: the same login always gives the same id. */
  account(platform: string, login: string, idPrefix = ''): SandboxAccount {
    const digest = createHash('sha256').update(`${platform}:${login}`).digest();
    return { platform, login, id: `${idPrefix}${digest.readBigUInt64BE(0).toString().slice(0, 17)}` };
  }

  /** A number in [min, max] fixed by a seed string: follower counts and the like, deterministic per account. */
  static number(seed: string, min: number, max: number): number {
    const digest = createHash('sha256').update(seed).digest();
    return min + (digest.readUInt32BE(0) % (max - min + 1));
  }

  issueCode(code: Omit<AuthorizationCode, 'expiresAt' | 'used'>, lifetimeSeconds = 600): string {
    const value = randomBytes(24).toString('base64url');
    this.codes.set(value, { ...code, expiresAt: this.now() + lifetimeSeconds * 1000, used: false });
    return value;
  }

  issueToken(token: Omit<IssuedToken, 'issuedAt' | 'expiresAt' | 'revoked' | 'rotated'>, lifetimeSeconds: number, prefix = ''): string {
    const value = `${prefix}${randomBytes(32).toString('base64url')}`;
    const issuedAt = this.now();
    this.tokens.set(value, { ...token, issuedAt, expiresAt: issuedAt + lifetimeSeconds * 1000, revoked: false, rotated: false });
    return value;
  }

  /** A live access token of the platform, or undefined (unknown, expired, revoked). */
  liveAccess(platform: string, value: string | undefined): IssuedToken | undefined {
    const token = value === undefined ? undefined : this.tokens.get(value);
    if (!token || token.platform !== platform || token.kind !== 'access' || token.revoked || token.expiresAt <= this.now()) return undefined;
    return token;
  }

  /** Revokes every token of a grant (same platform, client and account). */
  revokeGrant(of: IssuedToken): void {
    for (const token of this.tokens.values()) {
      if (token.platform === of.platform && token.clientId === of.clientId && token.account.id === of.account.id) token.revoked = true;
    }
  }
}

/** PKCE: does `verifier` match the stored challenge? S256 is base64url(SHA-256) per RFC 7636, or hex for TikTok. */
export function pkceMatches(code: AuthorizationCode, verifier: string | null, encoding: 'base64url' | 'hex' = 'base64url'): boolean {
  if (!code.codeChallenge) return true;
  if (!verifier) return false;
  if (code.codeChallengeMethod === 'plain') return verifier === code.codeChallenge;
  return createHash('sha256').update(verifier).digest(encoding) === code.codeChallenge;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A provider's consent page: who signs in (a login field, prefilled) and Allow / Cancel. The form posts back to the
 * same authorize URL with every original parameter; the provider module then redirects to the app's redirect URI.
 */
export function consentPage(options: { provider: string; appName: string; scopes: string[]; action: string; params: URLSearchParams }): SandboxResponse {
  const hidden = [...options.params].filter(([name]) => name !== 'login' && name !== 'decision')
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`).join('\n');
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(options.provider)} — sign in (sandbox)</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}button{margin-right:.5rem;padding:.4rem 1rem}</style></head>
<body><h1>${escapeHtml(options.provider)} (sandbox)</h1>
<p><strong>${escapeHtml(options.appName)}</strong> wants to:</p><ul>${options.scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>
<form method="post" action="${escapeHtml(options.action)}">
<label>Sign in as <input name="login" value="creator" required pattern="[A-Za-z0-9._-]{1,64}"></label>
${hidden}
<p><button name="decision" value="allow" type="submit">Allow</button><button name="decision" value="deny" type="submit">Cancel</button></p>
</form></body></html>`;
  return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'" }, body };
}

/** A 302 to the app's redirect URI with the given query parameters added (state echoed by the caller). */
export function redirectTo(redirectUri: string, params: Record<string, string | undefined>, fragment?: string): SandboxResponse {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  return { status: 302, headers: { location: `${url.href}${fragment ?? ''}` } };
}

export interface PlatformSandbox {
  url: string;
  state: SandboxState;
  /** Queues a fault for the next matching call(s). */
  inject(fault: Fault): void;
  /** Calls received (after faults), optionally filtered by host and path prefix. */
  calls(filter?: { host?: string; path?: string; method?: string }): SandboxCall[];
  reset(): void;
  stop(): Promise<void>;
}

export type ProviderModule = (state: SandboxState) => SandboxRoute[];

/** Starts the sandbox on 127.0.0.1:`port` (0: any free port) with the given provider modules. */
export async function startSandbox(modules: ProviderModule[], options: { port?: number; now?: () => number } = {}): Promise<PlatformSandbox> {
  const state = new SandboxState(options.now);
  for (const { clientId, clientSecret } of Object.values(SANDBOX_CLIENTS)) state.clients.set(clientId, clientSecret);
  const routes = modules.flatMap((module) => module(state));
  let faults: (Fault & { left: number; skip: number })[] = [];
  let calls: SandboxCall[] = [];

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://sandbox');
      const [, host = '', ...rest] = url.pathname.split('/');
      const path = `/${rest.join('/')}`;
      const method = req.method ?? 'GET';
      const body = Buffer.concat(chunks).toString('utf8');
      const record = (status: number) => calls.push({ method, host, path, status, at: state.now() });
      const send = (response: SandboxResponse) => {
        record(response.status);
        const text = typeof response.body === 'string' ? response.body : response.body === undefined ? '' : JSON.stringify(response.body);
        const headers = { ...(typeof response.body === 'string' || response.body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }), ...response.headers };
        res.writeHead(response.status, headers).end(text);
      };
      try {
        const fault = faults.find((f) => f.left > 0 && f.host === host && (f.method === undefined || f.method === method)
          && (f.path.endsWith('*') ? path.startsWith(f.path.slice(0, -1)) : f.path === path));
        if (fault && fault.skip > 0) fault.skip -= 1;
        else if (fault) {
          fault.left -= 1;
          return send({ status: fault.status, body: fault.body, headers: fault.headers });
        }
        for (const route of routes) {
          if (route.host !== host || route.method !== method) continue;
          const match = typeof route.path === 'string' ? (route.path === path ? undefined : null) : route.path.exec(path);
          if (match === null) continue;
          const request: SandboxRequest = {
            method, host, path, query: url.searchParams, headers: req.headers, body,
            form: () => new URLSearchParams(body),
            json: () => { try { return JSON.parse(body) as unknown; } catch { return undefined; } },
            bearer: () => /^Bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? url.searchParams.get('access_token') ?? undefined,
          };
          return send(await route.handle(request, match ?? undefined));
        }
        send({ status: 404, body: { error: { message: `The sandbox has no ${method} ${host}${path}` } } });
      } catch (error) {
        send({ status: 500, body: { error: { message: error instanceof Error ? error.message : String(error) } } });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    inject: (fault) => faults.push({ ...fault, left: fault.times ?? 1, skip: fault.after ?? 0 }),
    calls: (filter = {}) => calls.filter((c) => (filter.host === undefined || c.host === filter.host)
      && (filter.path === undefined || c.path.startsWith(filter.path)) && (filter.method === undefined || c.method === filter.method)),
    reset: () => { faults = []; calls = []; state.codes.clear(); state.tokens.clear(); state.resetCatalogues(); },
    stop: () => new Promise((resolve, reject) => { server.closeAllConnections(); server.close((e) => (e ? reject(e) : resolve())); }),
  };
}
