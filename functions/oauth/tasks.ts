import type { Sql } from 'postgres';
import { asService, db } from '../_shared/db.ts';
import { logger } from '../_shared/logger.ts';
import { defineTask } from '../_shared/task.ts';
import { jobDispatcher } from '../jobs/dispatcher.ts';
import { enqueueJob } from '../jobs/enqueue.ts';
import { purgeAuthorizations } from './authorization.ts';
import { REFRESH_AHEAD_MINUTES } from './refresh-window.ts';

/** Connections whose access token expires soon and can still be refreshed, soonest first. */
async function expiringConnections(sql: Sql, limit: number): Promise<string[]> {
  const rows = await asService(sql, (tx) => tx`
    SELECT c.id FROM platform_connection c JOIN account_status s ON s.id = c.status_id
    WHERE c.is_active AND s.slug = 'active' AND c.token_expires_at < now() + make_interval(mins => ${REFRESH_AHEAD_MINUTES})
    ORDER BY c.token_expires_at LIMIT ${limit}`);
  return rows.map((r) => r.id as string);
}

/** At most this many refresh jobs a run (a backlog drains over the next runs, soonest expiry first). */
const REFRESH_BATCH = 500;

/**
 * Token refresh (every 5 minutes): one token_refresh job per connection whose access token expires within 15
 * minutes. Jobs are deduplicated on their parameters, so a connection whose job is still pending or running gets
 * no second one.
 */
export async function scheduleTokenRefreshes(): Promise<{ expiring: number; enqueued: number }> {
  const ids = await expiringConnections(db(), REFRESH_BATCH);
  let enqueued = 0;
  for (const connectionId of ids) {
    const job = await enqueueJob(db(), jobDispatcher(), { userId: null, kind: 'token_refresh', params: { connection_id: connectionId } });
    if (job.created) enqueued += 1;
  }
  if (ids.length > 0) logger.info('token refreshes scheduled', { expiring: ids.length, enqueued });
  return { expiring: ids.length, enqueued };
}

/** Purge (hourly): authorizations started more than a day ago, spent or not. */
export const purgeOldAuthorizations = async () => ({ purged: await purgeAuthorizations(db()) });

/** The oauth feature's schedules. */
export const tasks = [
  defineTask({ name: 'token-refresh', everyMinutes: 5, description: 'Starts a token_refresh job for each connection whose token expires within 15 minutes' },
    scheduleTokenRefreshes),
  defineTask({ name: 'oauth-state-purge', everyMinutes: 60, description: 'Deletes OAuth authorizations started over a day ago' }, purgeOldAuthorizations),
];
