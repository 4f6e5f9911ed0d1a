import type { Sql, TransactionSql } from 'postgres';
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
 * `SELECT set_config('name', 'value', true), …` for every setting, as one statement of literals: with no parameters it
 * goes as a simple query, one message that needs neither a Describe round trip first nor a prepared statement (which
 * RDS Proxy would pin the connection for), so it costs no round trip of its own when pipelined.
 */
function setLocal(tx: TransactionSql, settings: Record<string, string>) {
  const calls = Object.entries(settings).map(([name, value]) => `set_config(${sqlLiteral(name)}, ${sqlLiteral(value)}, true)`);
  return tx.unsafe(`SELECT ${calls.join(', ')}`).execute();
}

/**
 * Runs `work` in one transaction as the caller: `SET LOCAL ROLE`, transaction-local JWT claims (which `auth.uid()`
 * and the RLS policies read), a transaction-local `statement_timeout` and any further `settings`, all in the
 * transaction's first statement. Nothing is set at session level, so pooled connections (RDS Proxy) never carry one
 * caller's identity or limits into another's transaction; a statement over the limit fails with SQLSTATE 57014 and the
 * transaction rolls back.
 *
 * The settings are not awaited before `work` starts: they are sent first, and `work`'s first query follows them in the
 * same write (one round trip fewer per request). Order on one connection is order of execution, and if the settings
 * failed the transaction is aborted, so every later statement fails (25P02) rather than run without them.
 */
export function withCaller<T>(sql: Sql, caller: Caller, work: (tx: TransactionSql) => Promise<T>, options: CallerOptions = {}): Promise<T> {
  const claims = caller.role === 'authenticated' ? { ...caller.claims, role: 'authenticated' } : { role: caller.role };
  const settings = {
    ...options.settings,
    role: caller.role satisfies DbRole, 'request.jwt.claims': JSON.stringify(claims),
    statement_timeout: String(options.statementTimeoutMs ?? statementTimeoutFromEnv()),
  };
  return sql.begin(async (tx) => {
    const [, result] = await Promise.all([setLocal(tx, settings), work(tx)]);
    return result;
  }) as Promise<T>;
}

export const asAnon = <T>(sql: Sql, work: (tx: TransactionSql) => Promise<T>, options?: CallerOptions) => withCaller(sql, { role: 'anon' }, work, options);
export const asUser = <T>(sql: Sql, claims: Claims, work: (tx: TransactionSql) => Promise<T>) =>
  withCaller(sql, { role: 'authenticated', claims }, work);
export const asService = <T>(sql: Sql, work: (tx: TransactionSql) => Promise<T>) => withCaller(sql, { role: 'service_role' }, work);
