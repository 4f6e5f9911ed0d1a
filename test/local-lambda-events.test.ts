import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FunctionSpec } from '../functions/manifest.ts';
import { startGateway } from '../local/gateway.ts';
import { LocalIdentity } from '../local/identity.ts';
import { echoRoutes } from './fixtures/echo-feature.ts';

/** A feature Lambda of the test's own (test/fixtures/echo-feature.ts), mounted on the local gateway as the manifest's are. */
const echo: FunctionSpec = {
  name: 'echo-http', feature: 'echo', entry: 'test/fixtures/echo-feature.ts', description: 'echo',
  trigger: { kind: 'http', routes: echoRoutes }, timeoutSeconds: 10, memoryMb: 128,
};

// The logger's level is fixed per invocation from the one it was created with: INFO for this file (the suite runs SILENT).
vi.hoisted(() => { process.env.LOG_LEVEL = 'INFO'; });

let gateway: Awaited<ReturnType<typeof startGateway>>;
let identity: LocalIdentity;
beforeAll(async () => {
  identity = await LocalIdentity.create({
    issuer: 'http://localhost/auth', postConfirmation: async () => {},
    preTokenGeneration: async () => ({ response: { claimsAndScopeOverrideDetails: { groupOverrideDetails: { groupsToOverride: ['admin', 'moderator'] } } } }),
  });
  gateway = await startGateway({ port: 0, functions: [echo], identity });
});
afterAll(async () => { await gateway?.stop(); });

describe('the local gateway invokes a feature Lambda with API Gateway\'s payload 2.0 event', () => {
  it('passes the JWT authorizer\'s claims as strings (numbers, booleans, arrays too) and scopes as null', async () => {
    await identity.signUp('claims@example.com', 'a long password');
    const { id_token } = await identity.signIn('claims@example.com', 'a long password');

    const response = await fetch(`${gateway.url}/echo-user`, { headers: { authorization: `Bearer ${id_token}` } });

    expect(response.status).toBe(200);
    const { event, claims } = await response.json() as { event: any; claims: Record<string, unknown> };
    expect(event.routeKey).toBe('GET /echo-user');
    const jwt = event.requestContext.authorizer.jwt;
    expect(jwt.scopes).toBeNull();
    for (const [name, value] of Object.entries(jwt.claims)) expect(typeof value, name).toBe('string');
    expect(jwt.claims.exp).toMatch(/^\d+$/);
    expect(jwt.claims.email_verified).toBe('true');
    expect(jwt.claims.token_use).toBe('id');
    expect(jwt.claims['cognito:groups']).toBe('[admin moderator]');
    // The handler's claims parse the strings back (groups from "[a b]").
    expect(claims).toMatchObject({ email: 'claims@example.com', token_use: 'id', 'cognito:groups': ['admin', 'moderator'] });
  });

  it('answers with a Content-Length, never chunked, as API Gateway does', async () => {
    const response = await fetch(`${gateway.url}/echo-public?n=7`);
    const body = Buffer.from(await response.arrayBuffer());
    expect(response.headers.get('transfer-encoding')).toBeNull();
    expect(Number(response.headers.get('content-length'))).toBe(body.length);
    expect(JSON.parse(body.toString('utf8'))).toMatchObject({ n: 7 });
  });

  it('logs each invocation with its own request id while 20 run at once in one process', async () => {
    const lines: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      // Later requests finish first: every handler is still running when the others start.
      const responses = await Promise.all(Array.from({ length: 20 }, async (_, n) => {
        const response = await fetch(`${gateway.url}/echo-public?n=${n}&delay_ms=${(20 - n) * 10}`);
        return { n, requestId: response.headers.get('apigw-requestid'), body: await response.json() as { requestId: string } };
      }));

      const logged = lines.flatMap((line) => line.split('\n')).filter((l) => l.includes('"message":"echo"')).map((l) => JSON.parse(l));
      expect(logged).toHaveLength(20);
      for (const { n, requestId, body } of responses) {
        expect(body.requestId, `request ${n}`).toBe(requestId);
        expect(logged.find((l) => l.n === n)?.function_request_id, `log of request ${n}`).toBe(requestId);
      }
    } finally {
      write.mockRestore();
    }
  });
});
