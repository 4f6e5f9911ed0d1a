import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import { asService, db } from '../_shared/db.ts';
import { uuid } from '../_shared/schemas.ts';
import { logger } from '../_shared/logger.ts';
import { deadLetterQueueUrls, sqsClient, sqsSdk, type QueueName } from '../_shared/queues.ts';
import { jobDispatcher, MAX_SQS_DELAY_SECONDS } from './dispatcher.ts';
import { DeferJobError, JobCancelledError, PermanentJobError, type Executor, type JobContext, type RunningJob } from './executor.ts';

const JobMessage = z.object({ job_id: uuid });
const service: JobContext['service'] = (work) => asService(db(), work);

/**
 * The SQS worker for one queue. Each message names a job; the worker claims it (start_job wins once, so a
 * redelivered or duplicate message is a no-op), runs the kind's executor, and completes or fails it. An attempt
 * that fails for good also goes to the dead-letter queue; a message the worker cannot even handle (bad body,
 * database down) is reported in batchItemFailures, redelivered, and dead-lettered by the queue's redrive policy.
 */
export function jobWorker(queue: QueueName, executors: Record<string, Executor>) {
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    logger.addContext(context);
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      try {
        await handleRecord(queue, executors, record, `${context.functionName}/${context.awsRequestId}`, () => context.getRemainingTimeInMillis());
      } catch (error) {
        logger.error('job message not processed; it will be redelivered', { messageId: record.messageId, error: error as Error });
        batchItemFailures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures };
  };
}

async function handleRecord(queue: QueueName, executors: Record<string, Executor>, record: SQSRecord, workerId: string,
  remainingMs: () => number) {
  const message = JobMessage.safeParse(safeJson(record.body));
  if (!message.success) throw new Error(`not a job message: ${record.body.slice(0, 200)}`);
  const jobId = message.data.job_id;
  const job = await claim(jobId, workerId);
  if (!job) {
    logger.info('job not claimable (already claimed, finished, cancelled or not due); message dropped', { jobId });
    return;
  }
  const executor = executors[job.kind];
  const { context, completedIn } = jobContext(job, workerId, remainingMs);
  try {
    if (!executor) throw new PermanentJobError(`no executor for job kind ${job.kind} on queue ${queue}`);
    const result = await executor(context);
    // An executor that completed the job in its own last transaction (completeIn) returned after that commit.
    const done = completedIn() ?? (await service((tx) => tx`SELECT complete_job(${job.id}, ${tx.json(result as never)}, ${workerId}) AS ok`))[0]!.ok as boolean;
    if (!done) logger.warn('job finished but was no longer ours (cancelled or timed out)', { jobId });
  } catch (error) {
    if (error instanceof JobCancelledError) return logger.info('job cancelled while running', { jobId });
    if (error instanceof DeferJobError) {
      const [deferred] = await service((tx) => tx`SELECT defer_job(${job.id}, ${error.message}, ${error.until}, ${workerId}) AS ok`);
      logger.info('job deferred', { jobId, until: error.until.toISOString(), reason: error.message, deferred: deferred!.ok });
      // Soon enough for SQS's delay: send it now (a queue this Lambda may not send to, or a failed send: the outbox sweep).
      const delaySeconds = (error.until.getTime() - Date.now()) / 1000;
      if (deferred!.ok && delaySeconds <= MAX_SQS_DELAY_SECONDS) {
        const sent = await jobDispatcher().dispatch([{ jobId: job.id, queue, delaySeconds }]);
        if (sent.length > 0) await service((tx) => tx`SELECT mark_jobs_dispatched(${sent}::uuid[])`);
      }
      return;
    }
    const reason = error instanceof Error ? error.message : String(error);
    const failed = await service(async (tx) => {
      const [row] = await tx`SELECT fail_job(${job.id}, ${reason}, ${!(error instanceof PermanentJobError)}, ${workerId}) AS ok`;
      // A second statement: the first one's snapshot predates fail_job's update.
      const [after] = await tx`SELECT next_retry_at IS NULL AS final FROM job_queue WHERE id = ${job.id}`;
      return { ok: row!.ok as boolean, final: after!.final as boolean };
    });
    logger.warn('job attempt failed', { jobId, kind: job.kind, attempt: job.retryCount + 1, final: failed.final, reason });
    if (failed.ok && failed.final) await deadLetter(queue, record, job, reason);
  }
}

/** Claims the job and reads what the executor needs in one round trip (start_job changes none of these columns). */
async function claim(jobId: string, workerId: string): Promise<RunningJob | undefined> {
  const [row] = await service((tx) => tx`
    SELECT start_job(q.id, ${workerId}) AS started, q.user_id, q.job_type, q.params, q.retry_count, q.max_retries
    FROM job_queue q WHERE q.id = ${jobId}`);
  if (!row?.started) return undefined;
  return { id: jobId, userId: row.user_id, kind: row.job_type, params: row.params, retryCount: row.retry_count, maxRetries: row.max_retries };
}

function jobContext(job: RunningJob, workerId: string, remainingMs: () => number): { context: JobContext; completedIn: () => boolean | undefined } {
  let completed: boolean | undefined;
  const progressIn: JobContext['progressIn'] = async (tx, percent, message) => {
    const [row] = await tx`SELECT update_job_progress(${job.id}, ${Math.round(percent)}, ${message ?? null}, ${workerId}) AS ok`;
    return row!.ok as boolean;
  };
  const context: JobContext = {
    job,
    service,
    remainingMs,
    async progress(percent, message) {
      if (!await service((tx) => progressIn(tx, percent, message))) throw new JobCancelledError(`job ${job.id} is no longer running for this worker`);
    },
    progressIn,
    async completeIn(tx, result) {
      const [row] = await tx`SELECT complete_job(${job.id}, ${tx.json(result as never)}, ${workerId}) AS ok`;
      completed = row!.ok as boolean;
      return completed;
    },
    async log(level, message, data = {}) {
      await service((tx) => tx`SELECT add_job_log(${job.id}, ${level}, ${message}, ${tx.json(data as never)})`);
    },
  };
  return { context, completedIn: () => completed };
}

/** A job that failed for good keeps its message: it goes to the queue's DLQ with the reason, for inspection and redrive. */
async function deadLetter(queue: QueueName, record: SQSRecord, job: RunningJob, reason: string) {
  const [client, { SendMessageCommand }] = await Promise.all([sqsClient(), sqsSdk()]);
  await client.send(new SendMessageCommand({
    QueueUrl: deadLetterQueueUrls()[queue],
    MessageBody: record.body,
    MessageAttributes: {
      job_kind: { DataType: 'String', StringValue: job.kind },
      failure_reason: { DataType: 'String', StringValue: reason.slice(0, 1000) },
      attempts: { DataType: 'Number', StringValue: String(job.retryCount + 1) },
    },
  }));
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
