import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FunctionSpec, QueueTrigger } from '../functions/manifest.ts';
import { POLL_WAIT_SECONDS, startPoller } from '../local/poller.ts';
import { startLocalQueues, type LocalQueues } from '../local/queues.ts';
import { received } from './fixtures/record-worker.ts';

const POLLERS = 3;
/** A worker Lambda of the test's own (test/fixtures/record-worker.ts) on the `ai` queue, with three concurrent pollers. */
const worker: FunctionSpec & { trigger: QueueTrigger } = {
  name: 'record-worker-ai', feature: 'record', entry: 'test/fixtures/record-worker.ts', description: 'records its events',
  trigger: { kind: 'queue', queue: 'ai', batchSize: 1, maxBatchingWindowSeconds: 0, maxConcurrency: POLLERS }, timeoutSeconds: 5, memoryMb: 128,
};
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

let queues: LocalQueues;
let receives = 0;
beforeAll(async () => {
  queues = await startLocalQueues({ port: 0, stage: 'poller-test' });
  // Counts the poller's ReceiveMessage calls on the queues' client.
  queues.client.middlewareStack.add((next, context) => async (args) => {
    if (context.commandName === 'ReceiveMessageCommand') receives += 1;
    return next(args);
  }, { step: 'initialize', name: 'countReceives' });
});
afterAll(async () => { await queues?.stop(); });

describe('the local SQS event source: long polls, as Lambda\'s', () => {
  it(`waits ${POLL_WAIT_SECONDS} s per receive, hands a message over as soon as it is sent, asks an idle queue nothing more, and stops at once`, async () => {
    const stderr = vi.spyOn(process.stderr, 'write');
    const poller = startPoller(queues, [worker]);
    try {
      await sleep(300);
      expect(receives, 'one receive waiting per poller').toBe(POLLERS);

      const sentAt = performance.now();
      await queues.client.send(new SendMessageCommand({ QueueUrl: queues.urls.ai, MessageBody: '{"job":"long-poll"}' }));
      await vi.waitFor(() => expect(received).toHaveLength(1), { timeout: 5_000, interval: 10 });
      expect(received[0]!.event.Records[0]!.body).toBe('{"job":"long-poll"}');
      expect(received[0]!.at - sentAt, 'a waiting receive answers when the message arrives').toBeLessThan(1_000);

      await sleep(300); // each poller waits again (the emulator answers every waiting receive when a message arrives)
      const settled = receives;
      expect(settled).toBeLessThanOrEqual(2 * POLLERS);
      await sleep(3_000);
      expect(receives, 'no receive came back empty in 3 s (a 1-s wait would have asked ~9 more times)').toBe(settled);
    } finally {
      const stopping = performance.now();
      await poller.stop();
      expect(performance.now() - stopping, 'the waiting receives are abandoned, not waited out').toBeLessThan(1_000);
      expect(stderr.mock.calls.filter(([text]) => String(text).includes('[poller]')), 'no error at stop').toEqual([]);
      stderr.mockRestore();
    }
  });
});
