import fc from 'fast-check';
import { Socket } from 'node:net';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { quiet } from '../db/bootstrap.ts';
import { asAnon, asUser, DEFAULT_STATEMENT_TIMEOUT_MS, sqlLiteral, statementTimeoutFromEnv, withCaller } from '../db/context.ts';
import { APP_ROLE } from '../db/roles.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

let db: TestDatabase;
beforeAll(async () => { db = await createTestDatabase('statement_timeout'); });
afterAll(() => db.drop());

describe('withCaller: a per-transaction statement_timeout, set with the role', () => {
  it('fails a statement longer than the timeout with SQLSTATE 57014, and the same connection serves the next transaction with no limit left behind', async () => {
    const one = postgres(db.url.app, { max: 1, ...quiet });
    try {
      const slow = withCaller(one, { role: 'anon' }, (tx) => tx`SELECT pg_sleep(2)`, { statementTimeoutMs: 100 });

      await expect(slow).rejects.toMatchObject({ code: '57014' });
      const [after] = await asAnon(one, (tx) => tx<{ role: string; timeout: string; pid: number }[]>`
        SELECT current_user AS role, current_setting('statement_timeout') AS timeout, pg_backend_pid() AS pid`);
      expect(after).toMatchObject({ role: 'anon', timeout: `${DEFAULT_STATEMENT_TIMEOUT_MS / 1000}s` });
      const [session] = await one<{ timeout: string; role: string }[]>`SELECT current_setting('statement_timeout') AS timeout, current_user AS role`;
      expect(session).toEqual({ timeout: '0', role: APP_ROLE });
    } finally {
      await one.end();
    }
  });

  it('reads DB_STATEMENT_TIMEOUT_MS (default 5 s) and refuses a value that is not a positive integer, naming it', () => {
    expect(statementTimeoutFromEnv({})).toBe(5_000);
    expect(statementTimeoutFromEnv({ DB_STATEMENT_TIMEOUT_MS: '60000' })).toBe(60_000);
    expect(() => statementTimeoutFromEnv({ DB_STATEMENT_TIMEOUT_MS: '5s' })).toThrow(/DB_STATEMENT_TIMEOUT_MS/);
    expect(() => statementTimeoutFromEnv({ DB_STATEMENT_TIMEOUT_MS: '0' })).toThrow(/DB_STATEMENT_TIMEOUT_MS/);
  });
});

describe('withCaller: the caller\'s settings in one simple-protocol statement, pipelined ahead of the work', () => {
  it('sqlLiteral gives PostgreSQL back exactly the string it was given, quotes, backslashes and all (property, 300 strings)', async () => {
    const strings = fc.string({ unit: 'binary', maxLength: 200 }).filter((s) => !s.includes('\0'));
    await fc.assert(fc.asyncProperty(fc.array(strings, { minLength: 1, maxLength: 4 }), async (values) => {
      const rows = await db.app.unsafe(`SELECT ${values.map((v, i) => `${sqlLiteral(v)} AS v${i}`).join(', ')}`);
      expect(Object.values(rows[0]!)).toEqual(values);
    }), { numRuns: 300 });
    expect(() => sqlLiteral('a\0b')).toThrow(/NUL/);
  });

  it('claims holding quotes and backslashes reach auth.uid() and the policies as sent, and the work\'s statements run as the caller', async () => {
    const sub = '00000000-0000-4000-8000-000000000001';
    const email = String.raw`o'brien\'; DROP TABLE users; --"@example.com`;
    const [row] = await asUser(db.app, { sub, email }, (tx) => tx<{ uid: string; role: string; claims: string }[]>`
      SELECT auth.uid()::text AS uid, current_user AS role, current_setting('request.jwt.claims') AS claims`);
    expect(row).toMatchObject({ uid: sub, role: 'authenticated' });
    expect(JSON.parse(row!.claims)).toEqual({ sub, email, role: 'authenticated' });
  });

  it('sends BEGIN, the settings and the work\'s first query in one write: two round trips for a one-query read (that write, then COMMIT; postgres.js\'s begin makes three)', async () => {
    const one = postgres(db.url.app, { max: 1, ...quiet });
    try {
      await asAnon(one, (tx) => tx`SELECT 1`);  // connected, statements prepared
      const writes = vi.spyOn(Socket.prototype, 'write');
      try {
        await withCaller(one, { role: 'anon' }, (tx) => tx`SELECT 1`, { settings: { work_mem: '64kB' } });
        expect(writes).toHaveBeenCalledTimes(2);
      } finally {
        writes.mockRestore();
      }
    } finally {
      await one.end();
    }
  });

  it('a read (readOnly) is READ ONLY, and answers without waiting for its COMMIT, which goes ahead of the connection\'s next transaction', async () => {
    const one = postgres(db.url.app, { max: 1, ...quiet });
    try {
      await expect(withCaller(one, { role: 'service_role' }, (tx) => tx`CREATE TEMP TABLE t (x int)`, { readOnly: true }))
        .rejects.toMatchObject({ code: '25006' });
      const writes = vi.spyOn(Socket.prototype, 'write');
      const commitsSent = () => writes.mock.calls.filter(([chunk]) => Buffer.from(chunk as Buffer).toString('latin1').includes('COMMIT')).length;
      try {
        const read = (readOnly: boolean) => withCaller(one, { role: 'anon' }, (tx) => tx<{ started: string }[]>`SELECT now()::text AS started`, { readOnly });
        await read(false);
        expect(commitsSent(), 'a write waits for its COMMIT').toBe(1);
        writes.mockClear();
        const started = (await read(true))[0]!.started;
        expect(commitsSent(), 'a read answers before its COMMIT is even sent').toBe(0);

        const [next] = await withCaller(one, { role: 'service_role' }, (tx) => tx<{ started: string; role: string }[]>`
          SELECT now()::text AS started, current_user AS role`);
        expect(commitsSent()).toBe(2);  // the read's, then this transaction's
        expect(next).toMatchObject({ role: 'service_role' });
        expect(next!.started).not.toBe(started);  // a transaction of its own (now() to the microsecond)
      } finally {
        writes.mockRestore();
      }
    } finally {
      await one.end();
    }
  });

  it('a setting that fails aborts the transaction: the work\'s query never runs without its role', async () => {
    const ran = withCaller(db.app, { role: 'anon' }, (tx) => tx`SELECT current_user AS role`, { settings: { work_mem: 'not a size' } });
    await expect(ran).rejects.toMatchObject({ code: '22023' });
  });
});

describe('migration 010: the application role ends sessions left idle in a transaction', () => {
  it('sets idle_in_transaction_session_timeout on streamvibe_app (pg_db_role_setting), and an app login gets it', async () => {
    const [setting] = await db.owner<{ setconfig: string[] }[]>`
      SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
      WHERE r.rolname = ${APP_ROLE} AND s.setdatabase = 0`;
    expect(setting?.setconfig).toContain('idle_in_transaction_session_timeout=30s');
    const [session] = await db.app<{ timeout: string }[]>`SELECT current_setting('idle_in_transaction_session_timeout') AS timeout`;
    expect(session!.timeout).toBe('30s');
  });

  it('ends a session idle in a transaction past the timeout (shortened for the test), and the pool reconnects', async () => {
    const one = postgres(db.url.app, { max: 1, ...quiet, connection: { idle_in_transaction_session_timeout: 200 } });
    try {
      const [first] = await one<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
      const idle = one.begin(async (tx) => {
        await tx`SELECT 1`;
        await new Promise((resolve) => setTimeout(resolve, 600));
        await tx`SELECT 1`;
      });

      await expect(idle).rejects.toThrow();
      const [next] = await one<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
      expect(next!.pid).not.toBe(first!.pid);
    } finally {
      await one.end();
    }
  });
});
