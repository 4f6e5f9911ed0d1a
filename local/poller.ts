import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { FunctionSpec, QueueTrigger } from '../functions/manifest.ts';
import { invokeLambda } from './invoke.ts';
import { LOCAL_REGION, type LocalQueues } from './queues.ts';

type QueueFunction = FunctionSpec & { trigger: QueueTrigger };

/**
 * How long a receive waits for a message: SQS's longest, as Lambda's event source polls. An arriving message answers a
 * waiting receive at once, so this only sets how often an idle queue is asked: once per poller every 20 s.
 */
export const POLL_WAIT_SECONDS = 20;

/**
 * Lambda's SQS event source, locally: long-polls each worker's queue, hands batches (the manifest's batch size) to
 * the handler as an SQSEvent, deletes what succeeded and leaves reported failures for the visibility timeout and
 * the redrive policy to deal with, as Lambda does with reportBatchItemFailures. `stop` abandons the receives waiting.
 */
export function startPoller(queues: LocalQueues, functions: QueueFunction[], options: { waitTimeSeconds?: number; concurrency?: number } = {}) {
  let running = true;
  const stopping = new AbortController();
  // Concurrent invocations per worker up to the manifest's maxConcurrency, as Lambda scales an SQS event source.
  const pollers = functions.flatMap((fn) => Array.from({ length: options.concurrency ?? fn.trigger.maxConcurrency }, () => fn));
  const loops = pollers.map(async (fn) => {
    const queueUrl = queues.urls[fn.trigger.queue];
    while (running) {
      try {
        const { Messages = [] } = await queues.client.send(new ReceiveMessageCommand({
          QueueUrl: queueUrl, MaxNumberOfMessages: Math.min(fn.trigger.batchSize, 10), WaitTimeSeconds: options.waitTimeSeconds ?? POLL_WAIT_SECONDS,
          MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'],
        }), { abortSignal: stopping.signal });
        if (Messages.length === 0 || !running) continue;
        const event: SQSEvent = { Records: Messages.map((m) => toRecord(m, queueUrl)) };
        let failed: Set<string>;
        try {
          const response = await invokeLambda<SQSBatchResponse | void>(fn, event);
          failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        } catch (error) {
          process.stderr.write(`[poller] ${fn.name} threw; the whole batch will be redelivered: ${(error as Error).message}\n`);
          failed = new Set(Messages.map((m) => m.MessageId!));
        }
        const done = Messages.filter((m) => !failed.has(m.MessageId!));
        if (done.length > 0) {
          await queues.client.send(new DeleteMessageBatchCommand({
            QueueUrl: queueUrl, Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
          }));
        }
      } catch (error) {
        if (!running) break;
        process.stderr.write(`[poller] ${fn.name}: ${(error as Error).message}\n`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  });
  return { stop: async () => { running = false; stopping.abort(); await Promise.all(loops); } };
}

function toRecord(message: Message, queueUrl: string): SQSRecord {
  const queueName = queueUrl.split('/').at(-1)!;
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId!, receiptHandle: message.ReceiptHandle!, body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1', SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'local', ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(Object.entries(message.MessageAttributes ?? {}).map(([k, v]) => [k, {
      stringValue: v.StringValue, dataType: v.DataType ?? 'String', stringListValues: [], binaryListValues: [],
    }])),
    md5OfBody: message.MD5OfBody ?? '', eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:${LOCAL_REGION}:000000000000:${queueName}`, awsRegion: LOCAL_REGION,
  };
}
