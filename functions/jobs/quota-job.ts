import type { Sql } from 'postgres';
import { asService } from '../_shared/db.ts';
import { RateLimitedError } from '../_shared/errors.ts';
import type { QueueName } from '../_shared/queues.ts';
import type { JobDispatcher } from './dispatcher.ts';

export interface QuotaJob {
  jobId: string;
  created: boolean;
  status: string;
}

const QUOTA_NAMES =  { sync: 'syncs', ai_analysis: 'AI analyses', seo_submission: 'SEO submissions' } as const;

/**
 * A job that costs `amount` of the month's `quotaType` quota (request_quota_job, migration 016): the identical active
 * job comes back as is; else the quota is taken and the job created in one transaction, then its id sent to the queue
 * (the outbox sweep covers a failed send). A spent quota is a 429 naming the tier, limit, usage and reset date.
 */
export async function requestQuotaJob(sql: Sql, dispatcher: JobDispatcher, request: {
  userId: string; kind: string; queue: QueueName; params: Record<string, unknown>; quotaType: 'sync' | 'ai_analysis' | 'seo_submission'; amount?: number;
}): Promise<QuotaJob> {
  const amount = request.amount ?? 1;
  const [row] = await asService(sql, (tx) => tx`
    SELECT * FROM request_quota_job(${request.userId}, ${request.kind}, ${tx.json(request.params as never)}, ${request.quotaType}, ${amount})`);
  if (row!.quota_exhausted) throw quotaExhausted(row!, request.quotaType, amount);
  if (row!.created) {
    const sent = await dispatcher.dispatch([{ jobId: row!.job_id, queue: request.queue }]);
    if (sent.length > 0) await asService(sql, (tx) => tx`SELECT mark_jobs_dispatched(${sent}::uuid[])`);
  }
  return { jobId: row!.job_id, created: row!.created, status: row!.status };
}

/** The 429 for a spent quota, from what request_quota_job / request_sync return: the tier, limit, usage and reset date. */
export function quotaExhausted(row: Record<string, unknown>, quotaType: keyof typeof QUOTA_NAMES, amount = 1): InstanceType<typeof RateLimitedError> {
  const resetsAt = (row.quota_resets_at as Date | null)?.toISOString() ?? null;
  return new RateLimitedError(
    `This needs ${amount} of your ${QUOTA_NAMES[quotaType]}; your ${row.tier} plan has ${row.quota_limit} a month and ${row.quota_used} are used` +
    `${resetsAt ? `. They reset on ${resetsAt.slice(0, 10)}` : ''}`,
    { quota: quotaType, tier: row.tier, limit: row.quota_limit, used: row.quota_used, requested: amount, resets_at: resetsAt });
}
