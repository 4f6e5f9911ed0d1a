import type { Sql } from 'postgres';
import { asService } from '../_shared/db.ts';
import type { QueueName } from '../_shared/queues.ts';
import { MAX_SQS_DELAY_SECONDS, type JobDispatcher } from './dispatcher.ts';

export interface EnqueueRequest {
  /** The verified caller (from the JWT), or null for a system job. Never taken from request input. */
  userId: string | null;
  kind: string;
  params?: Record<string, unknown>;
  priority?: number;
  scheduledFor?: Date;
}

export interface EnqueuedJob {
  jobId: string;
  created: boolean;
  status: string;
}

/**
 * Creates a job (or returns the identical active one) and, after the row has committed, sends its id to the
 * category's queue and marks it dispatched. If the send fails, the outbox sweeper sends it within a minute.
 */
export async function enqueueJob(sql: Sql, dispatcher: JobDispatcher, request: EnqueueRequest): Promise<EnqueuedJob> {
  // One statement: the queue follows from the kind (the catalogue is static, so no need to read the new row).
  const [job] = await asService(sql, (tx) => tx`
    SELECT f.job_id, f.created, f.status, t.queue_name
    FROM find_or_create_job(p_user_id => ${request.userId}, p_job_type => ${request.kind},
                            p_params => ${tx.json((request.params ?? {}) as never)}, p_priority => ${request.priority ?? null},
                            p_scheduled_for => ${request.scheduledFor ?? null}) f
    JOIN meta.job_kind k ON k.kind = ${request.kind}
    JOIN job_type t ON t.id = k.job_type_id`);
  const result = { jobId: job!.job_id as string, created: job!.created as boolean, status: job!.status as string };
  const delaySeconds = Math.max(((request.scheduledFor?.getTime() ?? 0) - Date.now()) / 1000, 0);
  if (result.created && delaySeconds <= MAX_SQS_DELAY_SECONDS) {
    const sent = await dispatcher.dispatch([{ jobId: result.jobId, queue: job!.queue_name as QueueName, delaySeconds }]);
    if (sent.length > 0) await asService(sql, (tx) => tx`SELECT mark_jobs_dispatched(${sent}::uuid[])`);
  }
  return result;
}
