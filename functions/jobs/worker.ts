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

/** A claimed job is handed back (deferred a few seconds, not failed) when less than this is left of the invocation. */
const MIN_START_MS = 10_000;
const HAND_BACK_DELAY_MS = 5_000;

interface JobRecord {
  record: SQSRecord;
  jobId: string;
}

/**
 * The SQS worker for one queue. Each message names a job. The worker claims the batch's jobs in one statement
 * (start_jobs: each wins once, so a redelivered or duplicate message is a no-op) and runs their executors in turn. A
 * failed or deferred attempt is recorded at once; the jobs that succeeded are completed together at the end, in one
 * statement (complete_jobs: one commit, so one turn of the database-wide NOTIFY lock, for the whole batch). An attempt
 * that fails for good also goes to the dead-letter queue; a message the worker cannot even handle (bad body, database
 * down) is reported in batchItemFailures, redelivered, and dead-lettered by the queue's redrive policy. A claimed job
 * the invocation has no time left to start is handed back to the queue (deferred a few seconds), not left to the stuck-job
 * detection.
 */
export function jobWorker(queue: QueueName, executors: Record<string, Executor>) {
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    logger.addContext(context);
    const workerId = `${context.functionName}/${context.awsRequestId}`;
    const remainingMs = () => context.getRemainingTimeInMillis();
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    const notProcessed = (record: SQSRecord, error: unknown) => {
      logger.error('job message not processed; it will be redelivered', { messageId: record.messageId, error: error as Error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    };
    const jobs: JobRecord[] = [];
    for (const record of event.Records) {
      const message = JobMessage.safeParse(safeJson(record.body));
      if (message.success) jobs.push({ record, jobId: message.data.job_id });
      else notProcessed(record, new Error(`not a job message: ${record.body.slice(0, 200)}`));
    }
    let claimed: Map<string, RunningJob>;
    try {
      claimed = await claim(jobs.map((j) => j.jobId), workerId);
    } catch (error) {
      for (const { record } of jobs) notProcessed(record, error);
      return { batchItemFailures };
    }
    const finished = new Map<string, { record: SQSRecord; result: Record<string, unknown> }>();
    for (const { record, jobId } of jobs) {
      const job = claimed.get(jobId);
      claimed.delete(jobId); // a second message for the same job in this batch is a duplicate
      if (!job) {
        logger.info('job not claimable (already claimed, finished, cancelled or not due); message dropped', { jobId });
        continue;
      }
      // Every line the job's run logs names it and its user (the id, never an email).
      logger.appendKeys({ job_id: job.id, job_kind: job.kind, user_id: job.userId ?? undefined });
      try {
        const result = await runJob(queue, executors, record, job, workerId, remainingMs);
        if (result) finished.set(job.id, { record, result });
      } catch (error) {
        notProcessed(record, error);
      } finally {
        logger.removeKeys(['job_id', 'job_kind', 'user_id']);
      }
    }
    if (finished.size > 0) {
      try {
        const completed = await complete(finished, workerId);
        for (const jobId of finished.keys()) {
          if (!completed.has(jobId)) logger.warn('job finished but was no longer ours (cancelled or timed out)', { jobId });
        }
      } catch (error) {
        for (const { record } of finished.values()) notProcessed(record, error);
      }
    }
    return { batchItemFailures };
  };
}

/**
 * Runs one claimed job. Returns its result when it is to be completed with the batch; undefined when the attempt
 * already ended here (the executor completed it in its own transaction, it failed, was deferred or cancelled).
 */
async function runJob(queue: QueueName, executors: Record<string, Executor>, record: SQSRecord, job: RunningJob, workerId: string,
  remainingMs: () => number): Promise<Record<string, unknown> | undefined> {
  const executor = executors[job.kind];
  const { context, completedIn } = jobContext(job, workerId, remainingMs);
  try {
    if (remainingMs() < MIN_START_MS) throw new DeferJobError('not started: the worker had no time left for it', new Date(Date.now() + HAND_BACK_DELAY_MS));
    if (!executor) throw new PermanentJobError(`no executor for job kind ${job.kind} on queue ${queue}`);
    const result = await executor(context);
    logger.debug('job run succeeded', { jobId: job.id, kind: job.kind });
    // An executor that completed the job in its own last transaction (completeIn) returned after that commit.
    const done = completedIn();
    if (done === undefined) return result;
    if (!done) logger.warn('job finished but was no longer ours (cancelled or timed out)', { jobId: job.id });
  } catch (error) {
    if (error instanceof JobCancelledError) return void logger.info('job cancelled while running', { jobId: job.id });
    if (error instanceof DeferJobError) {
      const [deferred] = await service((tx) => tx`SELECT defer_job(${job.id}, ${error.message}, ${error.until}, ${workerId}) AS ok`);
      logger.info('job deferred', { jobId: job.id, until: error.until.toISOString(), reason: error.message, deferred: deferred!.ok });
      // Soon enough for SQS's delay: send it now (a queue this Lambda may not send to, or a failed send: the outbox sweep).
      const delaySeconds = (error.until.getTime() - Date.now()) / 1000;
      if (deferred!.ok && delaySeconds <= MAX_SQS_DELAY_SECONDS) {
        const sent = await jobDispatcher().dispatch([{ jobId: job.id, queue, delaySeconds }]);
        if (sent.length > 0) await service((tx) => tx`SELECT mark_jobs_dispatched(${sent}::uuid[])`);
      }
      return undefined;
    }
    const reason = error instanceof Error ? error.message : String(error);
    const failed = await service(async (tx) => {
      const [row] = await tx`SELECT fail_job(${job.id}, ${reason}, ${!(error instanceof PermanentJobError)}, ${workerId}) AS ok`;
      // A second statement: the first one's snapshot predates fail_job's update.
      const [after] = await tx`SELECT next_retry_at IS NULL AS final FROM job_queue WHERE id = ${job.id}`;
      return { ok: row!.ok as boolean, final: after!.final as boolean };
    });
    logger.warn('job attempt failed', { jobId: job.id, kind: job.kind, attempt: job.retryCount + 1, final: failed.final, reason });
    if (failed.ok && failed.final) await deadLetter(queue, record, job, reason);
  }
  return undefined;
}

/** Claims the batch's jobs and reads what the executors need, in one statement; the jobs it did not win are absent. */
async function claim(jobIds: string[], workerId: string): Promise<Map<string, RunningJob>> {
  if (jobIds.length === 0) return new Map();
  const rows = await service((tx) => tx`SELECT * FROM start_jobs(${jobIds}::uuid[], ${workerId})`);
  return new Map(rows.map((row) => [row.job_id as string, {
    id: row.job_id, userId: row.user_id, kind: row.job_type, params: row.params, retryCount: row.retry_count, maxRetries: row.max_retries,
  }]));
}

/** Completes the batch's finished jobs in one statement; returns the ids that were still this worker's. */
async function complete(finished: Map<string, { result: Record<string, unknown> }>, workerId: string): Promise<Set<string>> {
  const results = Object.fromEntries([...finished].map(([jobId, { result }]) => [jobId, result]));
  const rows = await service((tx) => tx`SELECT complete_jobs(${tx.json(results as never)}, ${workerId}) AS id`);
  return new Set(rows.map((row) => row.id as string));
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
