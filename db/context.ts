import type { Sql, TransactionSql } from 'postgres';
import type { Claims, DbRole } from './roles.ts';

export type Caller =
  | { role: 'anon' }
  | { role: 'authenticated'; claims: Claims }
  | { role: 'service_role' };

/**
 * Runs `work` in one transaction as the caller: `SET LOCAL ROLE` plus transaction-local JWT claims, which
 * `auth.uid()` and the RLS policies read. Nothing is set at session level, so pooled connections
 * (RDS Proxy) never carry one caller's identity into another's transaction.
 */
export function withCaller<T>(sql: Sql, caller: Caller, work: (tx: TransactionSql) => Promise<T>): Promise<T> {
  const claims = caller.role === 'authenticated' ? { ...caller.claims, role: 'authenticated' } : { role: caller.role };
  return sql.begin(async (tx) => {
    await tx`SELECT set_config('role', ${caller.role satisfies DbRole}, true), set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`;
    return work(tx);
  }) as Promise<T>;
}

export const asAnon = <T>(sql: Sql, work: (tx: TransactionSql) => Promise<T>) => withCaller(sql, { role: 'anon' }, work);
export const asUser = <T>(sql: Sql, claims: Claims, work: (tx: TransactionSql) => Promise<T>) =>
  withCaller(sql, { role: 'authenticated', claims }, work);
export const asService = <T>(sql: Sql, work: (tx: TransactionSql) => Promise<T>) => withCaller(sql, { role: 'service_role' }, work);
