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
