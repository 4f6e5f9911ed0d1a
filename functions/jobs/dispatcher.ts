import type { SQSClient } from '@aws-sdk/client-sqs';
import { once } from '../_shared/env.ts';
import { logger } from '../_shared/logger.ts';
import { queueUrls, sqsClient, sqsSdk, type QueueName } from '../_shared/queues.ts';

export interface DispatchableJob {
  jobId: string;
  queue: QueueName;
  /** Seconds to hold the message back (SQS allows up to 900; later jobs are left to the outbox sweeper). */
  delaySeconds?: number;
}

/** Sends job ids to their category's queue. Returns the ids that were accepted; the rest stay for the sweeper. */
export interface JobDispatcher {
  dispatch(jobs: DispatchableJob[]): Promise<string[]>;
}

export const MAX_SQS_DELAY_SECONDS = 900;
const SQS_BATCH_SIZE = 10;

/**
 * The SQS adapter: SendMessageBatch per queue, 10 at a time; a failed entry or batch just isn't returned. The client
 * comes from `sqs` when there is something to send (queues.ts: the SDK loads on first send).
 */
export function sqsJobDispatcher(sqs: () => Promise<SQSClient>, urls: Partial<Record<QueueName, string>>): JobDispatcher {
  return {
    async dispatch(jobs) {
      const sent: string[] = [];
      const batches: DispatchableJob[][] = [];
      for (const queue of new Set(jobs.map((j) => j.queue))) {
        const forQueue = jobs.filter((j) => j.queue === queue);
        for (let i = 0; i < forQueue.length; i += SQS_BATCH_SIZE) batches.push(forQueue.slice(i, i + SQS_BATCH_SIZE));
      }
      await Promise.all(batches.map(async (batch) => {
        const url = urls[batch[0]!.queue];
        if (!url) return;
        try {
          const [client, { SendMessageBatchCommand }] = await Promise.all([sqs(), sqsSdk()]);
          const result = await client.send(new SendMessageBatchCommand({
            QueueUrl: url,
            Entries: batch.map((job, i) => ({
              Id: String(i),
              MessageBody: JSON.stringify({ job_id: job.jobId }),
              DelaySeconds: Math.min(Math.max(Math.ceil(job.delaySeconds ?? 0), 0), MAX_SQS_DELAY_SECONDS),
            })),
          }));
          for (const ok of result.Successful ?? []) sent.push(batch[Number(ok.Id)]!.jobId);
          if (result.Failed?.length) logger.warn('some job messages were not sent', { queue: batch[0]!.queue, failed: result.Failed });
        } catch (error) {
          // The rows keep dispatched_at unset (or stale): the outbox sweeper sends them again.
          logger.warn('job dispatch failed; the outbox sweeper will resend', { queue: batch[0]!.queue, error: error as Error });
        }
      }));
      return sent;
    },
  };
}

/** The process-wide dispatcher over the queues this Lambda may send to (JOB_QUEUE_URLS), made on first use. */
export const jobDispatcher = once(() => sqsJobDispatcher(sqsClient, queueUrls()));
