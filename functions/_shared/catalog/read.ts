import type { Sql, TransactionSql } from 'postgres';
// The caller helpers, not _shared/db.ts: importing the builders (benchmarks) must not open the process-wide client.
import { asAnon } from '../../../db/context.ts';

/**
 * Planner settings for discovery reads, which are LIMIT queries that should walk an index and stop after a page:
 *  - work_mem 64kB: the anon RLS policies check the creator with `EXISTS (SELECT … FROM users …)`. For a scan the
 *    planner expects to be long (every index walk: it does not discount LIMIT there), it picks the hashed form of that
 *    subplan, which reads every public user on every request (~9k index entries, 1-12 ms at 10k creators, linear in
 *    creators). It may hash only what fits in work_mem x 2, so at 64kB the per-row primary-key probe is used once there
 *    are more than ~3k public creators (below that, hashing them is cheap). Discovery sorts at most a page or a few
 *    hundred candidates, which fits.
 *  - no hash or merge joins: the RLS EXISTS makes the planner underestimate how many rows survive, so for an OFFSET
 *    page it hashes users and sorts a whole category instead of walking the index (measured 50-80 ms vs 13 ms at
 *    OFFSET 1000).
 * Measured at 200k items / 10k creators: a browse page 0.24-0.39 ms instead of 1-12 ms.
 */
export const DISCOVERY_PLANNER_SETTINGS = { work_mem: '64kB', enable_hashjoin: 'off', enable_mergejoin: 'off' } as const;

/**
 * A discovery read: one read-only anon transaction (RLS applies), tuned for LIMIT queries by the statement that sets the
 * role, answered without waiting for its COMMIT.
 */
export function readAsAnon<T>(sql: Sql, work: (tx: TransactionSql) => Promise<T>): Promise<T> {
  return asAnon(sql, work, { settings: DISCOVERY_PLANNER_SETTINGS, readOnly: true });
}
