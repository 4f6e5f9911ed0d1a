import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import { queues } from '../functions/manifest.ts';
import type { QueueName } from '../functions/_shared/queues.ts';

export interface LocalQueues {
  endpoint: string;
  urls: Record<QueueName, string>;
  dlqUrls: Record<QueueName, string>;
  client: SQSClient;
  /** The visibility timeout each queue got (the manifest's, unless overridden for fast tests). */
  visibilityTimeoutSeconds: Record<QueueName, number>;
  stop(): Promise<void>;
}

export const LOCAL_REGION = 'us-east-1';
const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * The SQS emulator (fauxqs, LocalStack-compatible) in-process, with the manifest's topology: one queue per job
 * category, each with a DLQ and a redrive policy. `AWS_ENDPOINT_URL` pointing elsewhere (LocalStack) is used
 * instead of starting the emulator.
 */
export async function startLocalQueues(options: { port: number; stage?: string; visibilityTimeoutSeconds?: number }): Promise<LocalQueues> {
  const external = process.env.AWS_ENDPOINT_URL;
  const server = external ? undefined : await startFauxqs({ port: options.port, logger: false });
  const endpoint = external ?? `http://127.0.0.1:${server!.port}`;
  // A socket per waiting receive (the SDK's agent allows 50): every poller long-polls at once, and deletes must not queue behind them.
  const client = new SQSClient({ endpoint, region: LOCAL_REGION, credentials: localCredentials, requestHandler: { httpAgent: { maxSockets: Infinity } } });
  const stage = options.stage ?? 'local';
  const urls = {} as Record<QueueName, string>;
  const dlqUrls = {} as Record<QueueName, string>;
  const visibility = {} as Record<QueueName, number>;
  for (const [name, spec] of Object.entries(queues) as [QueueName, (typeof queues)[QueueName]][]) {
    const base = `streamvibe-${stage}-${name}`;
    const dlq = await client.send(new CreateQueueCommand({ QueueName: `${base}-dlq`, Attributes: { MessageRetentionPeriod: String(14 * 86_400) } }));
    const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }));
    visibility[name] = options.visibilityTimeoutSeconds ?? spec.visibilityTimeoutSeconds;
    const queue = await client.send(new CreateQueueCommand({
      QueueName: base,
      Attributes: {
        VisibilityTimeout: String(visibility[name]),
        MessageRetentionPeriod: String(spec.retentionSeconds),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes!.QueueArn, maxReceiveCount: spec.maxReceiveCount }),
      },
    }));
    urls[name] = queue.QueueUrl!;
    dlqUrls[name] = dlq.QueueUrl!;
  }
  return {
    endpoint, urls, dlqUrls, client, visibilityTimeoutSeconds: visibility,
    stop: async () => {
      client.destroy();
      await server?.stop();
    },
  };
}

/** What a function running against these queues needs in its environment (the CDK app sets the same in AWS). */
export const queueEnvironment = (q: LocalQueues): Record<string, string> => ({
  AWS_ENDPOINT_URL: q.endpoint,
  AWS_REGION: LOCAL_REGION,
  AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
  JOB_QUEUE_URLS: JSON.stringify(q.urls),
  JOB_DLQ_URLS: JSON.stringify(q.dlqUrls),
});
