import { asService, db } from '../_shared/db.ts';
import { logger } from '../_shared/logger.ts';
import type { QueueName } from '../_shared/queues.ts';
import { defineTask } from '../_shared/task.ts';
import { jobDispatcher } from './dispatcher.ts';
import { enqueueJob } from './enqueue.ts';

/** The scheduled maintenance of the job system: each task with its schedule, run by the feature's scheduled Lambda (scheduled.ts). */

const SWEEP_BATCH = 100;
const SWEEP_MAX_BATCHES = 20;   // 2,000 jobs a minute; more waits for the next run
const STUCK_TIMEOUT = '30 minutes';
const PENDING_MAX_AGE = '24 hours';
const RETENTION = '30 days';

/** Outbox sweep (every minute): sends every due pending job that was never sent, or whose message was lost. */
export async function sweepOutbox(): Promise<{ dispatched: number }> {
  let dispatched = 0;
  for (let batch = 0; batch < SWEEP_MAX_BATCHES; batch += 1) {
    const claimed = await asService(db(), (tx) => tx`SELECT job_id, queue_name FROM claim_undispatched_jobs(${SWEEP_BATCH})`);
    if (claimed.length === 0) break;
    // claim_undispatched_jobs stamped dispatched_at: a send that fails here is retried by a later sweep.
    const sent = await jobDispatcher().dispatch(claimed.map((j) => ({ jobId: j.job_id as string, queue: j.queue_name as QueueName })));
    dispatched += sent.length;
    if (claimed.length < SWEEP_BATCH) break;
  }
  if (dispatched > 0) logger.info('outbox sweep dispatched jobs', { dispatched });
  return { dispatched };
}

/** Stuck-job detection (every 5 minutes): a processing job silent for 30 minutes failed; it is retried or failed for good. */
export async function detectStuckJobs(): Promise<{ stuck: number }> {
  const [row] = await asService(db(), (tx) => tx`SELECT detect_stuck_jobs(${STUCK_TIMEOUT}::interval) AS n`);
  return { stuck: row!.n };
}

/** Retries (every 5 minutes): failed jobs whose exponential backoff has elapsed go back to pending and are sent. */
export async function retryFailedJobs(): Promise<{ requeued: number; dispatched: number }> {
  const [row] = await asService(db(), (tx) => tx`SELECT retry_failed_jobs() AS n`);
  const { dispatched } = await sweepOutbox();
  return { requeued: row!.n, dispatched };
}

/** Expiry (every 15 minutes): pending jobs nobody started within a day fail with the reason. */
export async function expireStaleJobs(): Promise<{ expired: number }> {
  const [row] = await asService(db(), (tx) => tx`SELECT expire_stale_jobs(${PENDING_MAX_AGE}::interval) AS n`);
  return { expired: row!.n };
}

/** Cleanup (daily): finished jobs and logs past retention, notifications read before it, expired cache entries and past minutes' click counters. */
export async function cleanupOldJobs(): Promise<{
  jobs_deleted: number; logs_deleted: number; notifications_deleted: number; cache_deleted: number; click_counters_deleted: number;
}> {
  return asService(db(), async (tx) => {
    const [jobs] = await tx`SELECT jobs_deleted, logs_deleted FROM cleanup_old_jobs(${RETENTION}::interval)`;
    const [notifications] = await tx`SELECT cleanup_read_notifications(${RETENTION}::interval) AS n`;
    const [cache] = await tx`SELECT cleanup_expired_cache() AS n`;
    const [clicks] = await tx`SELECT search.prune_click_rate() AS n`;
    return {
      jobs_deleted: jobs!.jobs_deleted, logs_deleted: jobs!.logs_deleted, notifications_deleted: notifications!.n,
      cache_deleted: cache!.n, click_counters_deleted: clicks!.n,
    };
  });
}

/** Quota reset (hourly): a quota_reset system job rolls ended cycles forward (deduplicated: one at a time). */
export const scheduleQuotaReset = () => enqueueJob(db(), jobDispatcher(), { userId: null, kind: 'quota_reset' });

/** Trending refresh (every 15 minutes): a trending_refresh system job. */
export const scheduleTrendingRefresh = () => enqueueJob(db(), jobDispatcher(), { userId: null, kind: 'trending_refresh' });

const HOUR_MINUTES = 60;
const DAY_MINUTES = 24 * HOUR_MINUTES;

/** The jobs feature's schedules. */
export const tasks = [
  defineTask({ name: 'outbox-sweep', everyMinutes: 1, description: 'Sends every due job that was never sent or whose message was lost' }, sweepOutbox),
  defineTask({ name: 'detect-stuck-jobs', everyMinutes: 5, description: 'Fails (for retry) jobs whose worker went silent for 30 minutes' }, detectStuckJobs),
  defineTask({ name: 'retry-failed-jobs', everyMinutes: 5, description: 'Requeues failed jobs whose backoff has elapsed' }, retryFailedJobs),
  defineTask({ name: 'expire-stale-jobs', everyMinutes: 15, description: 'Fails pending jobs nobody started within a day' }, expireStaleJobs),
  defineTask({ name: 'cleanup', everyMinutes: DAY_MINUTES, description: 'Deletes finished jobs and logs past 30 days, notifications read over 30 days ago, expired cache and past click counters' }, cleanupOldJobs),
  defineTask({ name: 'quota-reset', everyMinutes: HOUR_MINUTES, description: 'Starts a quota_reset job (ended cycles roll forward)' }, scheduleQuotaReset),
  defineTask({ name: 'trending-refresh', everyMinutes: 15, description: 'Starts a trending_refresh job' }, scheduleTrendingRefresh),
];
