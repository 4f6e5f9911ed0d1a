import type { Sql, TransactionSql } from 'postgres';
import { withCaller } from '../db/context.ts';

/**
 * The data tools' statements (demo data, the benchmark's 1M items, refreshing derived data at that size) may run for
 * minutes; the request budget (DB_STATEMENT_TIMEOUT_MS, 5 s locally) is for Lambdas, whose schedules get theirs from
 * the CDK app (half the function's timeout).
 */
const MAINTENANCE_STATEMENT_TIMEOUT_MS = 30 * 60_000;

/** A service_role transaction for the local data tools, with the maintenance statement budget. */
export const asMaintenance = <T>(app: Sql, work: (tx: TransactionSql) => Promise<T>) =>
  withCaller(app, { role: 'service_role' }, work, { statementTimeoutMs: MAINTENANCE_STATEMENT_TIMEOUT_MS });

/**
 * Refresh functions service_role may call with no arguments, in public and search: trending, and whatever the schema
 * adds (lexicon, category counts, creator stats in 007; common search terms in 008). Found in pg_proc, so a new one
 * is picked up without an edit.
 */
const FIND_REFRESH_FUNCTIONS = `
SELECT n.nspname AS schema, p.proname AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname IN ('public', 'search') AND p.proname ~ '^refresh_' AND p.pronargs = p.pronargdefaults AND p.prokind = 'f'
  AND has_function_privilege('service_role', p.oid, 'EXECUTE')
ORDER BY p.proname <> 'refresh_trending_content', n.nspname, p.proname`;

/** Calls every refresh function (trending, lexicon, counts, search terms…), as the schedules would; returns their names. */
export function refreshDerivedData(app: Sql): Promise<string[]> {
  return asMaintenance(app, async (tx) => {
    const found = await tx.unsafe<{ schema: string; name: string }[]>(FIND_REFRESH_FUNCTIONS);
    for (const { schema, name } of found) await tx`SELECT ${tx(schema)}.${tx(name)}()`;
    return found.map(({ schema, name }) => `${schema}.${name}`);
  });
}
