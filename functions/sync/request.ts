import type { Sql } from 'postgres';
import { asService } from '../_shared/db.ts';
import type { JobDispatcher } from '../jobs/dispatcher.ts';
import { quotaExhausted } from '../jobs/quota-job.ts';

export interface SyncRequest {
  jobId: string;
  created: boolean;
  status: string;
}

/**
 * Asks for a sync of one account (request_sync, migration 013): the account's active sync if there is one, else a
 * new job that took one unit of the month's quota — or, with the quota spent, nothing and the tier's numbers. A new
 * job's id is sent to the sync queue after the commit (the outbox sweep covers a failed send), `delaySeconds` later.
 */
export async function requestSync(sql: Sql, dispatcher: JobDispatcher, request: {
  userId: string; socialAccountId: string; kind: string; full: boolean; delaySeconds?: number;
}): Promise<SyncRequest> {
  const scheduledFor = request.delaySeconds ? new Date(Date.now() + request.delaySeconds * 1000) : null;
  const [row] = await asService(sql, async (tx) => {
    const rows = await tx`
      SELECT * FROM request_sync(${request.userId}, ${request.socialAccountId}, ${request.kind}, ${tx.json({ full: request.full })})`;
    if (scheduledFor && rows[0]?.created) await tx`UPDATE job_queue SET scheduled_for = ${scheduledFor} WHERE id = ${rows[0].job_id}`;
    return rows;
  });
  if (row!.quota_exhausted) throw quotaExhausted(row!, 'sync');
  if (row!.created) {
    const sent = await dispatcher.dispatch([{ jobId: row!.job_id, queue: 'sync', delaySeconds: request.delaySeconds ?? 0 }]);
    if (sent.length > 0) await asService(sql, (tx) => tx`SELECT mark_jobs_dispatched(${sent}::uuid[])`);
  }
  return { jobId: row!.job_id, created: row!.created, status: row!.status };
}
