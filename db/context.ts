import type { ReservedSql, Sql, TransactionSql } from 'postgres';
import type { Claims, DbRole } from './roles.ts';

export type Caller =
  | { role: 'anon' }
  | { role: 'authenticated'; claims: Claims }
  | { role: 'service_role' };

/** Longest one statement of a caller's transaction may run when DB_STATEMENT_TIMEOUT_MS is not set: an API request's budget. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 5_000;

export class StatementTimeoutConfigError extends Error {
  override name = 'StatementTimeoutConfigError';
}

/**
 * DB_STATEMENT_TIMEOUT_MS, a positive integer (the CDK app sets half the function's timeout, so a runaway statement
 * fails while the function still has time to roll back and report it); DEFAULT_STATEMENT_TIMEOUT_MS when unset.
 */
export function statementTimeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.DB_STATEMENT_TIMEOUT_MS;
  if (raw === undefined || raw === '') return DEFAULT_STATEMENT_TIMEOUT_MS;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms <= 0) throw new StatementTimeoutConfigError(`Invalid environment: DB_STATEMENT_TIMEOUT_MS: must be a positive integer (ms), got ${JSON.stringify(raw)}`);
  return ms;
}

export interface CallerOptions {
  /** This transaction's statement_timeout (default: statementTimeoutFromEnv()). */
  statementTimeoutMs?: number;
  /** More transaction-local settings (a read's planner settings), set by the same statement as the caller's. */
  settings?: Readonly<Record<string, string>>;
  /**
   * A read: the transaction is READ ONLY (PostgreSQL refuses any write in it, 25006), and its COMMIT is sent but not
   * waited for: nothing a read-only transaction did can be lost, so the answer leaves a round trip earlier, and the
   * connection's next transaction queues behind the COMMIT on it.
   */
  readOnly?: boolean;
}

/**
 * A string as an SQL literal: an escape string (E'…') with its backslashes and single quotes doubled, which are the only
 * characters special inside one, whatever standard_conforming_strings says. NUL cannot be in a PostgreSQL string.
 */
export function sqlLiteral(value: string): string {
  if (value.includes('\0')) throw new TypeError('a PostgreSQL string cannot hold NUL');
  return `E'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/**
 * `BEGIN; SELECT set_config('name', 'value', true), …` for every setting, as one statement text of literals: with no
 * parameters it goes as a simple query, one message that needs neither a Describe round trip first nor a prepared
 * statement (which RDS Proxy would pin the connection for), so it costs no round trip of its own when pipelined.
 */
function beginWith(settings: Record<string, string>, readOnly: boolean): string {
  const calls = Object.entries(settings).map(([name, value]) => `set_config(${sqlLiteral(name)}, ${sqlLiteral(value)}, true)`);
  return `BEGIN${readOnly ? ' READ ONLY' : ''}; SELECT ${calls.join(', ')}`;
}

/**
 * A reserved connection as the transaction `work` sees: postgres.js's TransactionSql, whose savepoints are named
 * SAVEPOINTs on that connection (rolled back to when their callback throws).
 */
function transactionOn(reserved: ReservedSql): TransactionSql {
  let savepoints = 0;
  const savepoint = async (...args: unknown[]) => {
    const callback = args.at(-1) as (sp: TransactionSql) => unknown;
    const name = `sp_${savepoints++}`;
    await reserved.unsafe(`SAVEPOINT ${name}`);
    try {
      const result = await callback(tx);
      return Array.isArray(result) ? await Promise.all(result) : result;
    } catch (error) {
      await reserved.unsafe(`ROLLBACK TO SAVEPOINT ${name}`);
      throw error;
    }
  };
  const tx = Object.assign(reserved, { savepoint }) as unknown as TransactionSql;  // (no prepare: two-phase commit is not used)
  return tx;
}

/**
 * Runs `work` in one transaction as the caller: `SET LOCAL ROLE`, transaction-local JWT claims (which `auth.uid()`
 * and the RLS policies read), a transaction-local `statement_timeout` and any further `settings`, all in the
 * transaction's first statement. Nothing is set at session level, so pooled connections (RDS Proxy) never carry one
 * caller's identity or limits into another's transaction; a statement over the limit fails with SQLSTATE 57014 and the
 * transaction rolls back.
 *
 * BEGIN and the settings are one simple query, not awaited before `work` starts: `work`'s first query follows them in
 * the same write, so a one-query request costs two round trips (that write, then COMMIT), where postgres.js's `begin`
 * (which awaits BEGIN first) costs three. Order on one connection is order of execution, and if the settings failed the
 * transaction is aborted, so every later statement fails (25P02) rather than run without them.
 */
export async function withCaller<T>(sql: Sql, caller: Caller, work: (tx: TransactionSql) => Promise<T>, options: CallerOptions = {}): Promise<T> {
  const claims = caller.role === 'authenticated' ? { ...caller.claims, role: 'authenticated' } : { role: caller.role };
  const settings = {
    ...options.settings,
    role: caller.role satisfies DbRole, 'request.jwt.claims': JSON.stringify(claims),
    statement_timeout: String(options.statementTimeoutMs ?? statementTimeoutFromEnv()),
  };
  const reserved = await sql.reserve();
  let result: T;
  try {
    const begun = reserved.unsafe(beginWith(settings, options.readOnly ?? false)).execute();
    // (async: a work that throws before its first query still leaves `begun` awaited below)
    [, result] = await Promise.all([begun, (async () => work(transactionOn(reserved)))()]);
    const commit = reserved.unsafe('COMMIT').execute();
    // A read's COMMIT can only fail with its connection, which the pool then replaces: the answer stands.
    if (options.readOnly) commit.catch(() => undefined);
    else await commit;
  } catch (error) {
    // Nothing to roll back on a lost connection: the server ended the transaction, and the patched client refuses the statement.
    await reserved.unsafe('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    reserved.release();
  }
  return result;
}

export const asAnon = <T>(sql: Sql, work: (tx: TransactionSql) => Promise<T>, options?: CallerOptions) => withCaller(sql, { role: 'anon' }, work, options);
export const asUser = <T>(sql: Sql, claims: Claims, work: (tx: TransactionSql) => Promise<T>) =>
  withCaller(sql, { role: 'authenticated', claims }, work);
export const asService = <T>(sql: Sql, work: (tx: TransactionSql) => Promise<T>) => withCaller(sql, { role: 'service_role' }, work);
