import { createHash } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { functions } from '../../functions/manifest.ts';
import { openApiDocument } from '../../functions/_shared/openapi.ts';
import { LOCAL_CLIENT_ID } from '../../local/identity.ts';
import { startTestApi, waitFor, type TestApi } from '../api.ts';
import { responseContract } from '../contract.ts';
import { connectAccount } from '../oauth-browser.ts';
import type { KnownValues } from './fuzz/arbitraries.ts';
import { operationsOf, requestArbitrary, type Credentials, type FuzzRequest, type Operation } from './fuzz/requests.ts';

/**
 * Every operation of the OpenAPI document, called through the local gateway with generated requests for a bounded
 * time each: 0 answers with a 5xx, every 4xx in the error shape, every answer (2xx bodies included) valid against the
 * document, whose schemas are the routes' own. FUZZ_SEED replays a run; FUZZ_BUDGET_MS (default 40 s in all) or
 * FUZZ_MS_PER_ROUTE sets the time; FUZZ_ROUTE ('POST /me', a substring) narrows it.
 */
const SEED = Number(process.env.FUZZ_SEED ?? (Date.now() % 2 ** 31));
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 40_000);
const CONCURRENCY = 4;
const MIN_REQUESTS_PER_ROUTE = 12;
const PRINTED_FAILURES_PER_ROUTE = 3;

const document = openApiDocument(functions);
const operations = operationsOf(document).filter((op) => !process.env.FUZZ_ROUTE || op.key.includes(process.env.FUZZ_ROUTE));
const perRouteMs = Number(process.env.FUZZ_MS_PER_ROUTE ?? Math.floor(BUDGET_MS / operations.length));
const checkContract = responseContract(document);

let api: TestApi;
let tokens: Credentials;
const known: KnownValues = { uuids: ['00000000-0000-4000-8000-000000000000'], slugs: ['no-such-creator'] };

beforeAll(async () => {
  api = await startTestApi('reliability_fuzz');
  const user = await api.signUp();
  await api.request('POST', '/auth-profile-setup', { token: user.token, body: { display_name: 'Fuzz Target Channel', primary_category: 'gaming' } });
  await api.db.owner`
    INSERT INTO subscription (user_id, tier_id, status_id) SELECT ${user.userId}, t.id, s.id FROM subscription_tier t, subscription_status s
    WHERE t.slug = 'premium' AND s.slug = 'active'`;
  await connectAccount(api, 'youtube', user.token, 'items-30');
  const sync = await api.request('POST', '/sync-youtube', { token: user.token, body: { full: true } });
  await waitFor(async () => (await api.request('GET', `/job-status?job_id=${sync.body.job_id}`, { token: user.token })).body.status === 'completed', 30_000);
  await api.request('POST', '/ai-generate-tags', { token: user.token, body: { content_item_id: (await api.db.owner`SELECT id FROM content_item LIMIT 1`)[0]!.id } });
  const admin = await api.signUp({ roles: ['admin'] });
  const other = await api.signUp();
  // An expired token the identity itself issued: signed three hours ago (only Date is faked while it signs).
  vi.useFakeTimers({ toFake: ['Date'], now: Date.now() - 3 * 3600_000 });
  const expired = await api.signIn(user.email).finally(() => vi.useRealTimers());
  tokens = { user: user.token, otherUser: other.token, admin: admin.token, expired, wrongKey: await signedByAnotherKey(user.token, user.userId) };

  const rows = await api.db.owner`
    SELECT id FROM content_item UNION ALL SELECT id FROM job_queue UNION ALL SELECT id FROM social_account
    UNION ALL SELECT id FROM platform_connection UNION ALL SELECT id FROM ai_suggestion UNION ALL SELECT id FROM users`;
  known.uuids.push(...rows.map((r) => r.id as string));
  known.slugs.push(...(await api.db.owner`SELECT profile_slug FROM users WHERE profile_slug IS NOT NULL`).map((r) => r.profile_slug as string));
}, 120_000);
afterAll(async () => { await api?.stop(); });

/** A token like the identity's (same kid, issuer, audience, claims) signed with a key the gateway does not know. */
async function signedByAnotherKey(token: string, sub: string): Promise<string> {
  const { privateKey } = await generateKeyPair('RS256');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ token_use: 'id', email: 'x@example.com', 'cognito:groups': ['admin'] })
    .setProtectedHeader({ alg: 'RS256', kid: decodeProtectedHeader(token).kid! })
    .setIssuer(`${api.url}/auth`).setAudience(LOCAL_CLIENT_ID).setSubject(sub).setIssuedAt(now).setExpirationTime(now + 3600)
    .sign(privateKey);
}

interface Failure { request: FuzzRequest; status: number; problem: string; response: string }

/** What is wrong with an answer, or undefined: a 5xx, a 4xx out of the error shape, or anything the document does not allow. */
function judge(op: Operation, request: FuzzRequest, status: number, headers: Headers, text: string): string | undefined {
  if (status >= 500) return `answered ${status}`;
  try {
    checkContract(op.method, new URL(request.url).pathname, { status, headers, text });
  } catch (error) {
    return (error as Error).message.split('\n')[0];
  }
  const gatewayAnswer = status === 401 || (status === 413 && !text.includes('"error"'));
  if (status >= 400 && !gatewayAnswer && headers.get('content-type')?.startsWith('application/json')) {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code !== 'string' || typeof body.error.message !== 'string') return 'a 4xx outside the error shape { error: { code, message } }';
  }
  return undefined;
}

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
/** node:http rather than fetch: a client may send a body with a GET too. */
function send(request: FuzzRequest): Promise<{ status: number; headers: Headers; text: string }> {
  return new Promise((resolve, reject) => {
    const headers = request.body === undefined ? request.headers : { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) };
    const req = httpRequest(request.url, { method: request.method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({
        status: res.statusCode!, text: Buffer.concat(chunks).toString('utf8'),
        headers: new Headers(Object.entries(res.headers).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]])) as [string, string][]),
      }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(request.body);
  });
}

/** Fuzzes one operation until its time is up: batches of generated requests (seeded per route and batch), CONCURRENCY at once. */
async function fuzz(op: Operation) {
  const routeSeed = (SEED ^ createHash('sha256').update(op.key).digest().readInt32BE(0)) | 0;
  const arbitrary = requestArbitrary(op, api.url, tokens, known);
  const statuses: Record<number, number> = {};
  const failures: Failure[] = [];
  const deadline = Date.now() + perRouteMs;
  let sent = 0;
  for (let batch = 0; Date.now() < deadline || sent < MIN_REQUESTS_PER_ROUTE; batch += 1) {
    const requests = fc.sample(arbitrary, { seed: routeSeed + batch, numRuns: CONCURRENCY });
    await Promise.all(requests.map(async (request) => {
      const answer = await send(request).catch((error: Error) => error);
      if (answer instanceof Error) return failures.push({ request, status: 0, problem: `no answer: ${answer.message}`, response: '' });
      const { status, headers, text } = answer;
      statuses[status] = (statuses[status] ?? 0) + 1;
      const problem = judge(op, request, status, headers, text);
      if (problem) failures.push({ request, status, problem, response: text.slice(0, 300) });
    }));
    sent += requests.length;
  }
  return { sent, statuses, failures };
}

const shown = (request: FuzzRequest) => JSON.stringify({
  method: request.method, url: request.url.length > 300 ? `${request.url.slice(0, 300)}… (${request.url.length} chars)` : request.url, variant: request.variant,
  headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, k === 'authorization' ? `${v.slice(0, 20)}…` : v])),
  body: request.body && request.body.length > 400 ? `${request.body.slice(0, 400)}… (${request.body.length} chars)` : request.body,
});

describe('fuzzing every route of the OpenAPI document through the local gateway', () => {
  it(`gets no 5xx, only error-shaped 4xx and document-valid answers (seed ${SEED})`, async () => {
    const report: string[] = [];
    const failed: string[] = [];
    let total = 0;
    for (const op of operations) {
      const { sent, statuses, failures } = await fuzz(op);
      total += sent;
      report.push(`${op.key.padEnd(36)} ${String(sent).padStart(4)} requests  ${Object.entries(statuses).map(([s, n]) => `${s}×${n}`).join(' ')}`);
      for (const failure of failures.slice(0, PRINTED_FAILURES_PER_ROUTE)) {
        failed.push(`${op.key}: ${failure.problem}\n  request: ${shown(failure.request)}\n  answer ${failure.status}: ${failure.response}`);
      }
      if (failures.length > PRINTED_FAILURES_PER_ROUTE) failed.push(`${op.key}: ${failures.length - PRINTED_FAILURES_PER_ROUTE} more failing requests`);
    }
    console.log(`fuzz: seed ${SEED} (FUZZ_SEED=${SEED} replays it), ${operations.length} operations, ${total} requests, ` +
      `${perRouteMs} ms per operation\n${report.join('\n')}${failed.length ? `\nFAILURES:\n${failed.join('\n')}` : ''}`);
    expect(failed, `fuzz seed ${SEED}`).toEqual([]);
  }, BUDGET_MS + operations.length * 2_000 + 60_000);
});
