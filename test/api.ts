import { randomUUID } from 'node:crypto';
import { changeRole, type GrantableRole } from '../db/admin-roles.ts';
import { postgresMigrationDatabase } from '../db/postgres-adapter.ts';
import { startLocalStack, type LocalStackOptions } from '../local/stack.ts';
import { responseContract } from './contract.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface TestApi {
  db: TestDatabase;
  url: string;
  stack: Awaited<ReturnType<typeof startLocalStack>>;
  /** Signs a new user up through the local identity, grants `roles` as `npm run admin:grant` does, and signs them in. */
  signUp(options?: { email?: string; roles?: GrantableRole[] }): Promise<{ token: string; userId: string; email: string }>;
  /** Signs a signed-up user in again: a new id token, whose `cognito:groups` are their roles at this moment. */
  signIn(email: string): Promise<string>;
  /**
   * Sends a request to the local gateway. Every response is checked against the OpenAPI document (status, content-type,
   * headers, body) and a mismatch throws, so the API tests are its contract test; `outsideApi` marks a request that
   * deliberately goes where the document does not (an unknown route, a preflight, the docs) and skips the check.
   */
  request<T = any>(method: string, path: string, options?: RequestOptions): Promise<ApiResponse<T>>;
  stop(): Promise<void>;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  /** `manual` to see a redirect itself (its Location) instead of where it leads. */
  redirect?: RequestRedirect;
  outsideApi?: true;
}

const PASSWORD = 'correct horse battery staple';
const checkResponse = responseContract();

/**
 * The local stack (queues, identity, gateway, poller, manual scheduler) on random ports, over a fresh database clone, or
 * over `database` (a test that restarts its own PostgreSQL); `stop` drops it either way.
 */
export async function startTestApi(label: string,
  { database, ...options }: Pick<LocalStackOptions, 'visibilityTimeoutSeconds' | 'secrets'> & { database?: TestDatabase } = {}): Promise<TestApi> {
  const db = database ?? await createTestDatabase(label);
  const api = await startLocalStack({ databaseUrl: db.url.app, port: 0, sqsPort: 0, schedules: 'manual', ...options });
  const signIn = async (email: string) => (await api.identity.signIn(email, PASSWORD)).id_token;
  return {
    db,
    url: api.url,
    stack: api,
    async signUp({ email = `${randomUUID()}@example.com`, roles = [] } = {}) {
      const { userSub } = await api.identity.signUp(email, PASSWORD);
      for (const role of roles) await changeRole(postgresMigrationDatabase(db.owner), { email, role });
      return { token: await signIn(email), userId: userSub, email };
    },
    signIn,
    async request(method, path, { token, body, rawBody, headers = {}, redirect, outsideApi } = {}) {
      const response = await fetch(`${api.url}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined || rawBody !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: rawBody ?? (body === undefined ? undefined : JSON.stringify(body)),
        ...(redirect ? { redirect } : {}),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try { parsed = JSON.parse(text); } catch { /* not JSON */ }
      const result = { status: response.status, headers: response.headers, body: parsed as any, text };
      if (!outsideApi) checkResponse(method, path.split('?')[0]!, result);
      return result;
    },
    async stop() {
      await api.stop();
      await db.drop();
    },
  };
}

/** Polls `probe` every 100 ms until it returns something truthy, which it returns; fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}
