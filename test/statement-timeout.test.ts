import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quiet } from '../db/bootstrap.ts';
import { asAnon, DEFAULT_STATEMENT_TIMEOUT_MS, statementTimeoutFromEnv, withCaller } from '../db/context.ts';
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
