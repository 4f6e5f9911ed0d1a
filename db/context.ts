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
}

/**
 * Runs `work` in one transaction as the caller: `SET LOCAL ROLE`, transaction-local JWT claims (which `auth.uid()`
 * and the RLS policies read) and a transaction-local `statement_timeout`, all in the transaction's first statement.
 * Nothing is set at session level, so pooled connections (RDS Proxy) never carry one caller's identity or limits
 * into another's transaction; a statement over the limit fails with SQLSTATE 57014 and the transaction rolls back.
 */
export function withCaller<T>(sql: Sql, caller: Caller, work: (tx: TransactionSql) => Promise<T>, options: CallerOptions = {}): Promise<T> {
  const claims = caller.role === 'authenticated' ? { ...caller.claims, role: 'authenticated' } : { role: caller.role };
  const timeoutMs = options.statementTimeoutMs ?? statementTimeoutFromEnv();
  return sql.begin(async (tx) => {
    await tx`SELECT set_config('role', ${caller.role satisfies DbRole}, true), set_config('request.jwt.claims', ${JSON.stringify(claims)}, true),
      set_config('statement_timeout', ${String(timeoutMs)}, true)`;
    return work(tx);
  }) as Promise<T>;
}

export const asAnon = <T>(sql: Sql, work: (tx: TransactionSql) => Promise<T>) => withCaller(sql, { role: 'anon' }, work);
export const asUser = <T>(sql: Sql, claims: Claims, work: (tx: TransactionSql) => Promise<T>) =>
  withCaller(sql, { role: 'authenticated', claims }, work);
export const asService = <T>(sql: Sql, work: (tx: TransactionSql) => Promise<T>) => withCaller(sql, { role: 'service_role' }, work);
