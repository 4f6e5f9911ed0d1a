import { functions, httpFunctions, queueFunctions, scheduledFunctions } from '../functions/manifest.ts';
import { closeDb } from '../functions/_shared/db.ts';
import { docsRoutes } from './docs-routes.ts';
import { startGateway } from './gateway.ts';
import { LocalIdentity } from './identity.ts';
import { identityRoutes } from './identity-routes.ts';
import { invokeLambda } from './invoke.ts';
import { startPoller } from './poller.ts';
import { queueEnvironment, startLocalQueues } from './queues.ts';
import { startScheduler } from './scheduler.ts';

export const LOCAL_STRIPE_WEBHOOK_SECRET = 'whsec_streamvibe_local';

export interface LocalStackOptions {
  databaseUrl: string;
  port: number;
  sqsPort: number;
  stateDir?: string;
  /** Fire schedules on their timers (npm start) or only on demand (tests). */
  schedules?: 'timers' | 'manual';
  /** Shorter visibility timeouts make redelivery observable in tests. */
  visibilityTimeoutSeconds?: number;
  pollWaitSeconds?: number;
  /** Concurrent invocations per queue worker (Lambda scales an SQS event source the same way); default 4. */
  pollerConcurrency?: number;
}

/**
 * The local stack around a database: the SQS emulator with the manifest's queues, the identity, the gateway over
 * every HTTP function, the poller feeding queue workers, and the scheduler. Handlers read their configuration
 * when first imported, so the environment is set before anything is mounted.
 */
export async function startLocalStack(options: LocalStackOptions) {
  const queues = await startLocalQueues({ port: options.sqsPort, visibilityTimeoutSeconds: options.visibilityTimeoutSeconds });
  Object.assign(process.env, queueEnvironment(queues), { DATABASE_URL: options.databaseUrl });
  process.env.DB_POOL_MAX ??= '10';
  // The local webhook signing secret; sign test events with it (functions/billing/signature.ts signStripePayload).
  process.env.STRIPE_WEBHOOK_SECRETS ??= LOCAL_STRIPE_WEBHOOK_SECRET;
  // Discovery: the local key of click visitor hashes (the public site's URL is set below, once the port is known).
  process.env.CLICK_HASH_SECRET ??= 'local-only-click-hash-secret-never-deployed';
  // The auth feature's Lambda, invoked as Cognito invokes it for the user pool's triggers.
  const [authTriggers] = functions.filter((fn) => fn.trigger.kind === 'cognito');
  if (!authTriggers) throw new Error('the manifest has no Cognito trigger Lambda');
  const identity = await LocalIdentity.create({
    issuer: `http://localhost:${options.port}/auth`,
    postConfirmation: (event) => invokeLambda(authTriggers, event),
    preTokenGeneration: (event) => invokeLambda(authTriggers, event),
    stateDir: options.stateDir,
  });
  const gateway = await startGateway({
    port: options.port, functions: httpFunctions(), identity, localRoutes: [identityRoutes(identity), docsRoutes()],
  });
  // The public site that sitemaps, robots.txt and canonical URLs point at: locally, this gateway on its actual port
  // (PORT, or the one the OS picked). Handlers read it at their cold start, on their first request.
  process.env.PUBLIC_SITE_URL ??= gateway.url;
  const poller = startPoller(queues, queueFunctions(), { waitTimeSeconds: options.pollWaitSeconds, concurrency: options.pollerConcurrency });
  const scheduler = startScheduler(scheduledFunctions(), { autoStart: options.schedules !== 'manual', log: (l) => process.stderr.write(`${l}\n`) });
  return {
    url: gateway.url,
    identity,
    queues,
    scheduler,
    async stop() {
      await scheduler.stop();
      await poller.stop();
      await gateway.stop();
      await queues.stop();
      await closeDb();
    },
  };
}
