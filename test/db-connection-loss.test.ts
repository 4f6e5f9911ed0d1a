import { createConnection, createServer, type Socket } from 'node:net';
import postgres, { type Sql, type TransactionSql } from 'postgres';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { quiet } from '../db/bootstrap.ts';
import { asAnon, withCaller } from '../db/context.ts';
import { APP_ROLE } from '../db/roles.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { countPostgresJsNullSocketCrashes } from './reliability/faults/known-defects.ts';

/**
 * A connection lost in the middle of a caller's transaction (an Aurora failover, RDS Proxy closing a connection, an
 * operator's pg_terminate_backend): the request fails with CONNECTION_CLOSED, the process lives on, the pool serves the
 * next request, and no statement of the lost transaction runs on the connection that replaces it. postgres.js 3.4.9
 * fails all three (porsager/postgres#1154, #1186, #1208); patches/postgres+3.4.9.patch fixes them.
 */
let db: TestDatabase;
let crashes: ReturnType<typeof countPostgresJsNullSocketCrashes>;
let one: Sql;
beforeAll(async () => { db = await createTestDatabase('connection_loss'); });
afterAll(() => db.drop());
beforeEach(() => {
  crashes = countPostgresJsNullSocketCrashes();
  one = postgres(db.url.app, { max: 1, ...quiet, connect_timeout: 5 });
});
afterEach(async () => {
  crashes.restore();
  await one.end({ timeout: 1 });
});

const settle = () => new Promise((resume) => setTimeout(resume, 100));
/** Ends a backend from another session of the same login role, as an operator or a failover would. */
const terminate = (pid: number) => db.app`SELECT pg_terminate_backend(${pid})`;
const backendPid = async (sql: Sql | TransactionSql) => (await sql<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`)[0]!.pid;

describe('a connection lost inside a caller\'s transaction', () => {
  it('while a statement runs: the transaction fails (57P01 or CONNECTION_CLOSED), nothing crashes, and the same pool serves the next transaction', async () => {
    const lost = asAnon(one, async (tx) => {
      const pid = await backendPid(tx);
      setTimeout(() => { terminate(pid).catch(() => undefined); }, 50);
      return tx`SELECT pg_sleep(2)`;
    });

    // The server's goodbye (57P01) or the closed socket, whichever postgres.js sees first.
    await expect(lost).rejects.toSatisfy((error: { code?: string }) => ['57P01', 'CONNECTION_CLOSED'].includes(error.code!));
    await settle();
    const [next] = await asAnon(one, (tx) => tx<{ role: string }[]>`SELECT current_user AS role`);
    expect(next).toEqual({ role: 'anon' });
    expect(crashes.count(), 'uncaught null-socket writes').toBe(0);
  });

  it('between statements, with the connection already replaced for another request: the next statement fails instead of running outside the transaction', async () => {
    // What the lost transaction's next statement does, once the work gets that far (the transaction has failed by then).
    let settled!: { resolve: (value: unknown) => void; reject: (error: unknown) => void };
    const statement = new Promise((resolve, reject) => { settled = { resolve, reject }; });
    const lost = withCaller(one, { role: 'anon' }, async (tx) => {
      await terminate(await backendPid(tx));
      await settle();
      // Meanwhile another request reconnects the pool's only connection…
      const other = one<{ role: string }[]>`SELECT current_user AS role`.then((rows) => rows[0]);
      await settle();
      // …and this statement, the lost transaction's, must fail rather than run on that new session as the login role.
      const next = tx`SELECT current_user AS role`.then((rows) => rows[0]);
      next.then(settled.resolve, settled.reject);
      await Promise.allSettled([next, other]);
      return next;
    });

    await expect(lost).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    const deadline = new Promise((resume) => setTimeout(() => resume('still pending after 3 s'), 3_000));
    await expect(Promise.race([statement, deadline])).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    const [session] = await one<{ role: string }[]>`SELECT current_user AS role`;
    expect(session).toEqual({ role: APP_ROLE });
    expect(crashes.count(), 'uncaught null-socket writes').toBe(0);
  });

  it('with more statements than postgres.js pipelines (100), so some wait in the transaction\'s own queue: every one of them settles', async () => {
    let outcomes: PromiseSettledResult<unknown>[] = [];
    const lost = asAnon(one, async (tx) => {
      const pid = await backendPid(tx);
      setTimeout(() => { terminate(pid).catch(() => undefined); }, 50);
      outcomes = await Promise.allSettled(Array.from({ length: 150 }, () => tx`SELECT pg_sleep(0.01)`.then((rows) => rows)));
    });

    await expect(lost).rejects.toBeDefined();
    await vi.waitFor(() => expect(outcomes).toHaveLength(150), { timeout: 3_000 });
    expect(outcomes.filter((o) => o.status === 'rejected').length).toBeGreaterThan(50);
    await settle();
    const [next] = await asAnon(one, (tx) => tx<{ role: string }[]>`SELECT current_user AS role`);
    expect(next).toEqual({ role: 'anon' });
    expect(crashes.count(), 'uncaught null-socket writes').toBe(0);
  });
});

/**
 * A TCP proxy to PostgreSQL on a port of its own that starts closed, so connections to it are refused (ECONNREFUSED, as
 * when the server is down or restarting), and opens on `up()`.
 */
async function tcpProxy(targetUrl: string) {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket)).on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const port = (server.address() as { port: number }).port;
  await new Promise((done) => server.close(done));
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.href,
    up: () => new Promise<void>((ready) => server.listen(port, '127.0.0.1', ready)),
    stop: async () => { sockets.forEach((socket) => socket.destroy()); if (server.listening) await new Promise((done) => server.close(done)); },
  };
}

describe('waiting for a connection while the server cannot be reached', () => {
  it('callers arriving while connections are refused are told so or served, and none waits for ever once the server is back (porsager/postgres reserve)', async () => {
    const proxy = await tcpProxy(db.url.app);
    const sql = postgres(proxy.url, { max: 1, ...quiet, connect_timeout: 2 });
    try {
      // Callers arrive while every connection attempt is refused (the pool retries; a caller may be told it failed).
      const call = () => asAnon(sql, (tx) => tx<{ role: string }[]>`SELECT current_user AS role`)
        .then(([row]) => row, (error: Error) => `failed: ${error.message}`);
      const waiting: Promise<unknown>[] = [];
      for (let i = 0; i < 40; i += 1) {
        waiting.push(call());
        await new Promise((resume) => setTimeout(resume, 10));
      }
      await proxy.up();
      for (let i = 0; i < 10; i += 1) waiting.push(call());

      const stuck = 'still waiting 5 s after the server came back';
      const outcomes = await Promise.race([Promise.all(waiting), new Promise((resume) => setTimeout(() => resume(stuck), 5_000))]);
      expect(outcomes, 'a caller left waiting for good').not.toBe(stuck);
      // Told it failed while the server was down (ECONNREFUSED), or served; everyone who came after it was back, served.
      for (const outcome of (outcomes as unknown[]).slice(0, 40)) {
        expect(typeof outcome === 'string' ? outcome : JSON.stringify(outcome)).toMatch(/^(failed: .*ECONNREFUSED|\{"role":"anon"\})/);
      }
      expect((outcomes as unknown[]).slice(40)).toEqual(Array(10).fill({ role: 'anon' }));
      const [next] = await asAnon(sql, (tx) => tx<{ role: string }[]>`SELECT current_user AS role`);
      expect(next).toEqual({ role: 'anon' });
    } finally {
      await sql.end({ timeout: 1 });
      await proxy.stop();
    }
  });
});
