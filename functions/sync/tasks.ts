import { createHash } from 'node:crypto';
import { asService, db } from '../_shared/db.ts';
import { RateLimitedError } from '../_shared/errors.ts';
import { logger } from '../_shared/logger.ts';
import { defineTask } from '../_shared/task.ts';
import { jobDispatcher } from '../jobs/dispatcher.ts';
import { enqueueJob } from '../jobs/enqueue.ts';
import { requestSync } from './request.ts';

const AUTO_SYNC_EVERY_MINUTES = 15;
const FOLLOWER_SYNC_EVERY_MINUTES = 6 * 60;
/** At most this many jobs a run; the rest are due next run (oldest first). */
const BATCH = 500;

/** A stable delay within the schedule's interval for an account: runs spread over the interval instead of all at :00. */
export const spreadSeconds = (accountId: string, intervalMinutes: number) =>
  createHash('sha256').update(accountId).digest().readUInt32BE(0) % (intervalMinutes * 60);

/**
 * Auto sync (every 15 minutes): an incremental `auto_sync` job for each account due by its user's setting
 * (auto_sync_enabled, every sync_frequency_hours) on a tier that includes auto sync — never one that needs
 * reconnecting, has a sync already active, or whose user's monthly syncs are spent. Each job is delayed by the
 * account's own offset within the 15 minutes.
 */
export async function scheduleAutoSyncs(): Promise<{ due: number; enqueued: number; skippedQuota: number }> {
  const due = await asService(db(), (tx) => tx`
    SELECT a.id, a.user_id
    FROM social_account a
    JOIN account_status s ON s.id = a.status_id AND s.slug = 'active'
    JOIN platform_connection c ON c.id = a.connection_id AND c.is_active
    JOIN user_setting st ON st.user_id = a.user_id AND st.auto_sync_enabled
    CROSS JOIN LATERAL effective_quota(a.user_id) q
    JOIN subscription_tier t ON t.slug = q.tier_slug
    WHERE a.deleted_at IS NULL AND a.sync_enabled AND coalesce((t.features->>'auto_sync')::boolean, false)
      AND (a.last_synced_at IS NULL OR a.last_synced_at <= now() - make_interval(hours => st.sync_frequency_hours))
      AND q.syncs_used < q.max_syncs
      AND NOT EXISTS (SELECT 1 FROM job_queue j WHERE j.user_id = a.user_id AND j.job_type <> 'follower_sync'
                        AND j.job_type_id = (SELECT id FROM job_type WHERE slug = 'platform_sync')
                        AND j.params->>'social_account_id' = a.id::text AND (j.status IN ('pending', 'processing') OR j.next_retry_at IS NOT NULL))
    ORDER BY a.last_synced_at NULLS FIRST LIMIT ${BATCH}`);
  let enqueued = 0;
  let skippedQuota = 0;
  for (const account of due) {
    try {
      const job = await requestSync(db(), jobDispatcher(), {
        userId: account.user_id, socialAccountId: account.id, kind: 'auto_sync', full: false,
        delaySeconds: spreadSeconds(account.id as string, AUTO_SYNC_EVERY_MINUTES),
      });
      if (job.created) enqueued += 1;
    } catch (error) {
      // The month's syncs ran out since the query above: this account waits for the next cycle.
      if (!(error instanceof RateLimitedError)) throw error;
      skippedQuota += 1;
    }
  }
  if (due.length > 0) logger.info('auto syncs scheduled', { due: due.length, enqueued, skippedQuota });
  return { due: due.length, enqueued, skippedQuota };
}

/** Follower sync (every 6 hours): a `follower_sync` job (one call, no quota) for each active account, spread over the interval. */
export async function scheduleFollowerSyncs(): Promise<{ enqueued: number }> {
  const accounts = await asService(db(), (tx) => tx`
    SELECT a.id, a.user_id FROM social_account a JOIN account_status s ON s.id = a.status_id AND s.slug = 'active'
    WHERE a.deleted_at IS NULL AND a.connection_id IS NOT NULL ORDER BY a.id LIMIT ${BATCH * 10}`);
  let enqueued = 0;
  for (const account of accounts) {
    // Within SQS's 15-minute delay; later offsets are sent by the outbox sweep when due.
    const job = await enqueueJob(db(), jobDispatcher(), {
      userId: account.user_id, kind: 'follower_sync', params: { social_account_id: account.id },
      scheduledFor: new Date(Date.now() + spreadSeconds(account.id as string, FOLLOWER_SYNC_EVERY_MINUTES) * 1000),
    });
    if (job.created) enqueued += 1;
  }
  return { enqueued };
}

/** The sync feature's schedules. */
export const tasks = [
  defineTask({ name: 'auto-sync', everyMinutes: AUTO_SYNC_EVERY_MINUTES, description: 'Starts incremental syncs of accounts due by their users’ auto-sync settings' },
    scheduleAutoSyncs),
  defineTask({ name: 'follower-sync', everyMinutes: FOLLOWER_SYNC_EVERY_MINUTES, description: 'Refreshes every active account’s follower counts' },
    scheduleFollowerSyncs),
];
