import type { Message } from '@aws-sdk/client-sqs';
import { NotFoundError } from '../_shared/errors.ts';
import { deadLetterQueueUrls, queueUrls, sqsClient, sqsSdk, type QueueName } from '../_shared/queues.ts';
import type { Request } from '../_shared/route.ts';
import { asAdmin } from './audit.ts';

/**
 * Dead-letter queues, inspected and redriven with plain SQS calls (the local emulator, fauxqs, has no
 * StartMessageMoveTask; these calls work the same against SQS). A look receives messages for a short visibility
 * timeout, so each message shows once in a listing, and then makes them visible again at once.
 */
const LOOK_VISIBILITY_SECONDS = 30;
/** Messages scanned to find one by id, and moved in one redrive-all call (the API's 10 s must suffice). */
const SCAN_LIMIT = 100;
const SQS_BATCH = 10;

interface DeadLetter {
  message_id: string;
  job_id: string | null;
  job_kind: string | null;
  failure_reason: string | null;
  attempts: number | null;
  receive_count: number;
  sent_at: string | null;
  body: string;
}

const describe = (m: Message): DeadLetter => {
  const attribute = (name: string) => m.MessageAttributes?.[name]?.StringValue ?? null;
  const sent = Number(m.Attributes?.SentTimestamp);
  return {
    message_id: m.MessageId!,
    job_id: jobIdOf(m.Body ?? ''),
    job_kind: attribute('job_kind'),
    failure_reason: attribute('failure_reason'),
    attempts: attribute('attempts') === null ? null : Number(attribute('attempts')),
    receive_count: Number(m.Attributes?.ApproximateReceiveCount ?? 0),
    sent_at: Number.isFinite(sent) && sent > 0 ? new Date(sent).toISOString() : null,
    body: (m.Body ?? '').slice(0, 2000),
  };
};

/** The job a message names ({"job_id"} as the dispatcher sends it), or null for a message that is not a job's. */
function jobIdOf(body: string): string | null {
  try {
    const id = (JSON.parse(body) as { job_id?: unknown }).job_id;
    return typeof id === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id) ? id : null;
  } catch {
    return null;
  }
}

/** Receives up to `limit` distinct messages of a DLQ, each hidden for LOOK_VISIBILITY_SECONDS. */
async function receive(queue: QueueName, limit: number): Promise<Message[]> {
  const [client, { ReceiveMessageCommand }] = await Promise.all([sqsClient(), sqsSdk()]);
  const messages: Message[] = [];
  while (messages.length < limit) {
    const { Messages = [] } = await client.send(new ReceiveMessageCommand({
      QueueUrl: deadLetterQueueUrls()[queue], MaxNumberOfMessages: Math.min(SQS_BATCH, limit - messages.length),
      VisibilityTimeout: LOOK_VISIBILITY_SECONDS, WaitTimeSeconds: 0,
      MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
    }));
    if (Messages.length === 0) break;
    messages.push(...Messages);
  }
  return messages;
}

/** Makes received messages visible again at once (the look is over). */
async function release(queue: QueueName, messages: Message[]) {
  const [client, { ChangeMessageVisibilityBatchCommand }] = await Promise.all([sqsClient(), sqsSdk()]);
  for (let i = 0; i < messages.length; i += SQS_BATCH) {
    await client.send(new ChangeMessageVisibilityBatchCommand({
      QueueUrl: deadLetterQueueUrls()[queue],
      Entries: messages.slice(i, i + SQS_BATCH).map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
    }));
  }
}

async function approximateCount(queue: QueueName): Promise<number> {
  const [client, { GetQueueAttributesCommand }] = await Promise.all([sqsClient(), sqsSdk()]);
  const { Attributes } = await client.send(new GetQueueAttributesCommand({
    QueueUrl: deadLetterQueueUrls()[queue], AttributeNames: ['ApproximateNumberOfMessages'],
  }));
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
}

/** A look at a queue's dead letters: up to `limit`, oldest first as SQS hands them out, and about how many there are. */
export async function inspectDeadLetters(queue: QueueName, limit: number) {
  const messages = await receive(queue, limit);
  await release(queue, messages);
  return { queue, approximate_count: await approximateCount(queue), messages: messages.map(describe) };
}

type Outcome = 'requeued' | 'quota_exhausted' | 'superseded' | 'not_failed' | 'not_found' | 'not_a_job';

/**
 * Sends dead letters back to their queue after a fix: one message (by id) or all of them (SCAN_LIMIT a call). Each
 * message's job is requeued first (requeue_dead_job, 022: a job that failed for good gets one more attempt) with its
 * audit row, in one transaction that also re-checks the caller is an admin; then the message goes to the main queue
 * and leaves the DLQ. A job without quota left stays failed and its message stays in the DLQ. If the send is lost,
 * the outbox sweep resends the pending job; if the delete is lost, the job's second message is a no-op.
 */
export async function redriveDeadLetters(request: Pick<Request, 'claims' | 'sourceIp' | 'userAgent'>, queue: QueueName, messageId?: string) {
  const received = await receive(queue, SCAN_LIMIT);
  const chosen = messageId ? received.filter((m) => m.MessageId === messageId) : received;
  await release(queue, received.filter((m) => !chosen.includes(m)));
  if (messageId && chosen.length === 0) throw new NotFoundError(`No message ${messageId} in the ${queue} dead-letter queue`);

  const outcomes = await asAdmin(request, async ({ tx, audit }) => {
    const list: { message: Message; job_id: string | null; outcome: Outcome }[] = [];
    for (const message of chosen) {
      const jobId = jobIdOf(message.Body ?? '');
      if (!jobId) {
        list.push({ message, job_id: null, outcome: 'not_a_job' });
        continue;
      }
      const [before] = await tx`SELECT user_id, status, retry_count FROM job_queue WHERE id = ${jobId}`;
      const [row] = await tx`SELECT requeue_dead_job(${jobId}) AS outcome`;
      const [after] = await tx`SELECT status, retry_count FROM job_queue WHERE id = ${jobId}`;
      await audit({
        action: 'redrive', entityType: 'job_queue', entityId: jobId, userId: before?.user_id ?? null,
        before: before ? { status: before.status, retry_count: before.retry_count, queue, message_id: message.MessageId } : null,
        after: { ...(after ? { status: after.status, retry_count: after.retry_count } : {}), outcome: row!.outcome },
      });
      list.push({ message, job_id: jobId, outcome: row!.outcome as Outcome });
    }
    return list;
  });

  const moved = outcomes.filter((o) => o.outcome !== 'quota_exhausted');
  const kept = outcomes.filter((o) => o.outcome === 'quota_exhausted');
  await move(queue, moved.map((o) => o.message));
  await release(queue, kept.map((o) => o.message));
  const summary = (o: (typeof outcomes)[number]) => ({ message_id: o.message.MessageId!, job_id: o.job_id, outcome: o.outcome });
  return { queue, redriven: moved.map(summary), kept: kept.map(summary), approximate_remaining: await approximateCount(queue) };
}

/** Sends each message's body (and attributes) to the main queue, then deletes it from the DLQ. */
async function move(queue: QueueName, messages: Message[]) {
  const [client, { SendMessageBatchCommand, DeleteMessageBatchCommand }] = await Promise.all([sqsClient(), sqsSdk()]);
  for (let i = 0; i < messages.length; i += SQS_BATCH) {
    const batch = messages.slice(i, i + SQS_BATCH);
    const sent = await client.send(new SendMessageBatchCommand({
      QueueUrl: queueUrls()[queue],
      Entries: batch.map((m, n) => ({ Id: String(n), MessageBody: m.Body!, MessageAttributes: m.MessageAttributes })),
    }));
    const delivered = new Set((sent.Successful ?? []).map((s) => Number(s.Id)));
    const done = batch.filter((_, n) => delivered.has(n));
    if (done.length > 0) {
      await client.send(new DeleteMessageBatchCommand({
        QueueUrl: deadLetterQueueUrls()[queue], Entries: done.map((m, n) => ({ Id: String(n), ReceiptHandle: m.ReceiptHandle! })),
      }));
    }
    // A message whose send failed stays in the DLQ (visible again after the look); its job is pending and the sweep sends it.
  }
}
