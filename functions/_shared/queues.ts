import { SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod/mini';
import { readEnv } from './env.ts';
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

let client: SQSClient | undefined;
/**
 * One SQS client per container; AWS_ENDPOINT_URL points it at LocalStack or the local emulator. Requests go to
 * that endpoint, not to the host inside a queue URL (emulators hand out hosts like sqs.us-east-1.localhost).
 */
export function sqsClient(): SQSClient {
  client ??= new SQSClient({ useQueueUrlAsEndpoint: false });
  return client;
}

/** The queue URLs this function may use, from JOB_QUEUE_URLS / JOB_DLQ_URLS (set by the CDK app or the local stack). */
export const queueUrls = () => readEnv({ JOB_QUEUE_URLS: QueueUrls }).JOB_QUEUE_URLS;
export const deadLetterQueueUrls = () => readEnv({ JOB_DLQ_URLS: QueueUrls }).JOB_DLQ_URLS;
