import type { SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod/mini';
import { once, readEnv } from './env.ts';
import { httpsUrl } from './schemas.ts';

/** The SQS queues, one per job category (job_type.queue_name), each with a dead-letter queue. */
export const QUEUE_NAMES = ['sync', 'ai', 'seo', 'maintenance', 'tokens'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

const QueueUrls = z.pipe(z.string(), z.transform((text, ctx) => {
  try {
    return z.record(z.enum(QUEUE_NAMES), httpsUrl).parse(JSON.parse(text));
  } catch {
    ctx.issues.push({ code: 'custom', message: 'must be a JSON object of queue name → queue URL', input: text });
    return z.NEVER;
  }
}));

/**
 * The SQS SDK, imported when a message is first sent, not at cold start: its import took ~46 ms, more than a minimal
 * middy + postgres.js Lambda's whole cold init (27 ms; README, "Bundle sizes"), and most invocations of the jobs
 * Lambdas (reads, claims, sweeps that find nothing) send nothing. The first one that sends pays it instead.
 */
export const sqsSdk = once(() => import('@aws-sdk/client-sqs'));

/**
 * One SQS client per container, made with the SDK on first send; AWS_ENDPOINT_URL points it at LocalStack or the
 * local emulator. Requests go to that endpoint, not to the host inside a queue URL (emulators hand out hosts like
 * sqs.us-east-1.localhost).
 */
export const sqsClient = once(async (): Promise<SQSClient> => new (await sqsSdk()).SQSClient({ useQueueUrlAsEndpoint: false }));

/** The queue URLs this function may use, from JOB_QUEUE_URLS / JOB_DLQ_URLS (set by the CDK app or the local stack). */
export const queueUrls = () => readEnv({ JOB_QUEUE_URLS: QueueUrls }).JOB_QUEUE_URLS;
export const deadLetterQueueUrls = () => readEnv({ JOB_DLQ_URLS: QueueUrls }).JOB_DLQ_URLS;
