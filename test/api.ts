import { randomUUID } from 'node:crypto';
import { startLocalStack } from '../local/stack.ts';
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
  /** Signs a new user up through the local identity and returns their id token and id. */
  signUp(options?: { email?: string; groups?: string[] }): Promise<{ token: string; userId: string; email: string }>;
  request<T = any>(method: string, path: string, options?: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> }): Promise<ApiResponse<T>>;
  stop(): Promise<void>;
}

/** The local stack (queues, identity, gateway, poller, manual scheduler) on random ports, over a fresh database clone. */
export async function startTestApi(label: string, options: { visibilityTimeoutSeconds?: number } = {}): Promise<TestApi> {
  const db = await createTestDatabase(label);
  const api = await startLocalStack({ databaseUrl: db.url.app, port: 0, sqsPort: 0, schedules: 'manual', pollWaitSeconds: 1, ...options });
  return {
    db,
    url: api.url,
    stack: api,
    async signUp({ email = `${randomUUID()}@example.com`, groups = [] } = {}) {
      const { userSub } = await api.identity.signUp(email, 'correct horse battery staple');
      for (const group of groups) await api.identity.addUserToGroup(email, group);
      const tokens = await api.identity.signIn(email, 'correct horse battery staple');
      return { token: tokens.id_token, userId: userSub, email };
    },
    async request(method, path, { token, body, rawBody, headers = {} } = {}) {
      const response = await fetch(`${api.url}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined || rawBody !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: rawBody ?? (body === undefined ? undefined : JSON.stringify(body)),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try { parsed = JSON.parse(text); } catch { /* not JSON */ }
      return { status: response.status, headers: response.headers, body: parsed as any, text };
    },
    async stop() {
      await api.stop();
      await db.drop();
    },
  };
}
