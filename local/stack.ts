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
import { appRoutes } from './app-routes.ts';
import { startAiSandbox } from './sandboxes/ai/index.ts';
import { SANDBOX_CLIENTS, startPlatformSandbox } from './sandboxes/platforms/index.ts';
import { startSeoSandbox } from './sandboxes/seo/index.ts';
import { SANDBOX_API_KEY, startStripeSandbox } from './sandboxes/stripe/index.ts';
import { billingReturnRoute } from './sandboxes/stripe/return-page.ts';
import { seedLocalSecrets } from './secrets.ts';

export const LOCAL_STRIPE_WEBHOOK_SECRET = 'whsec_streamvibe_local';
/** The Stripe sandbox's port under npm start (stripe-mock's), so `npm run stripe:trigger` finds it; tests take any free port. */
export const LOCAL_STRIPE_PORT = Number(process.env.LOCAL_STRIPE_PORT ?? 12111);
/**
 * The local values of the secret settings (infra/config.ts: the `secret` entries of functionEnvironment), put in the
 * local Secrets Manager; functions get only `<NAME>_SECRET_ARN`, as in AWS.
 */
export const LOCAL_SECRET_SETTINGS = {
  // Sign test events with it (functions/billing/signature.ts signStripePayload); the Stripe sandbox signs its deliveries with it.
  STRIPE_WEBHOOK_SECRETS: LOCAL_STRIPE_WEBHOOK_SECRET,
  // The Stripe sandbox's key (local/sandboxes/stripe/).
  STRIPE_API_KEY: SANDBOX_API_KEY,
  // The key of click visitor hashes.
  CLICK_HASH_SECRET: 'local-only-click-hash-secret-never-deployed',
  // What CloudFront sends /track-click in AWS (no CloudFront locally: a test sends it to stand for one).
  EDGE_ORIGIN_SECRET: 'local-only-edge-origin-secret-never-deployed',
  // No AI key by default: the ai feature answers with its offline engine. A test (or you, with the AI sandbox's keys) may set them.
  OPENAI_API_KEY: 'unset',
  ANTHROPIC_API_KEY: 'unset',
  GEMINI_API_KEY: 'unset',
  // The platform sandbox's registered apps (local/sandboxes/platforms/clients.ts).
  OAUTH_CLIENTS: JSON.stringify(Object.fromEntries(Object.entries(SANDBOX_CLIENTS)
    .map(([platform, { clientId, clientSecret }]) => [platform, { client_id: clientId, client_secret: clientSecret }]))),
};
export type SecretSettingName = keyof typeof LOCAL_SECRET_SETTINGS;
/** The local stage's IndexNow key (a plain, public value: the site serves it at /<key>.txt for engines to check). */
export const LOCAL_INDEXNOW_KEY = '5f0c1e2d3b4a49687a6b5c4d3e2f1a0b';

/** The Stripe sandbox on `port`, or, when that one is taken (a second stack), on any free port, saying where. */
async function startStripeSandboxOn(port: number) {
  try {
    return await startStripeSandbox({ port });
  } catch (error) {
    if ((error as { code?: string }).code !== 'EADDRINUSE') throw error;
    const sandbox = await startStripeSandbox({ port: 0 });
    process.stderr.write(`Stripe sandbox: port ${port} is busy, using ${sandbox.url} (npm run stripe:trigger -- --stripe ${sandbox.url} …)\n`);
    return sandbox;
  }
}

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
  /** Values of secret settings other than LOCAL_SECRET_SETTINGS' (a test rolling the Stripe secret, say). */
  secrets?: Partial<Record<SecretSettingName, string>>;
  /** The platform sandbox's port (default: any free one; the authorize URLs name it). */
  platformSandboxPort?: number;
  /** Concurrent invocations per queue worker (Lambda scales an SQS event source the same way); default the manifest's maxConcurrency. */
  pollerConcurrency?: number;
}

/**
 * The local stack around a database: the SQS emulator with the manifest's queues, the identity, the gateway over
 * every HTTP function, the poller feeding queue workers, and the scheduler. Handlers read their configuration
 * when first imported, so the environment is set before anything is mounted.
 */
export async function startLocalStack(options: LocalStackOptions) {
  // Secrets first: their endpoint is LocalStack only when AWS_ENDPOINT_URL was set before the queues set it.
  const secrets = await seedLocalSecrets({ ...LOCAL_SECRET_SETTINGS, ...options.secrets });
  const queues = await startLocalQueues({ port: options.sqsPort, visibilityTimeoutSeconds: options.visibilityTimeoutSeconds });
  // Every provider's API, offline (unless PLATFORM_API_BASE_URL points elsewhere already).
  const platforms = await startPlatformSandbox({ port: options.platformSandboxPort ?? 0 });
  // OpenAI, Anthropic and Gemini, offline: used when their keys are set (the sandbox's keys, AI_SANDBOX_KEYS).
  const ai = await startAiSandbox();
  // Google's Indexing API, IndexNow and Bing's URL submission, offline (their own server: oauth2.googleapis.com differs from the platforms').
  const seo = await startSeoSandbox();
  // Stripe's API, hosted Checkout and portal pages, and signed webhooks to this gateway (set below, once it listens).
  const stripe = await startStripeSandboxOn(options.port === 0 ? 0 : LOCAL_STRIPE_PORT);
  Object.assign(process.env, queueEnvironment(queues), secrets.environment, {
    DATABASE_URL: options.databaseUrl,
    // As the CDK app sets them for the oauth family (infra/stacks/secrets-stack.ts), with the stage `local`.
    OAUTH_SECRET_PREFIX: 'streamvibe/local/oauth/',
    SEO_SECRET_PREFIX: 'streamvibe/local/seo/',
  });
  process.env.PLATFORM_API_BASE_URL ??= platforms.url;
  process.env.SEO_API_BASE_URL ??= seo.url;
  process.env.AI_OPENAI_BASE_URL ??= ai.baseUrls.openai;
  process.env.AI_ANTHROPIC_BASE_URL ??= ai.baseUrls.anthropic;
  process.env.AI_GOOGLE_BASE_URL ??= ai.baseUrls.google;
  process.env.STRIPE_API_BASE_URL ??= stripe.url;
  process.env.STRIPE_PRICES ??= JSON.stringify(stripe.prices);
  process.env.DB_POOL_MAX ??= '10';
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
    port: options.port, functions: httpFunctions(), identity, localRoutes: [identityRoutes(identity), docsRoutes(), appRoutes(), billingReturnRoute()],
  });
  // Providers send the browser back to this gateway, which then shows the outcome on its own page.
  process.env.OAUTH_REDIRECT_BASE_URL ??= gateway.url;
  process.env.APP_URL ??= `${gateway.url}/app/connections`;
  // The public site that sitemaps, robots.txt and canonical URLs point at: locally, this gateway on its actual port
  // (PORT, or the one the OS picked). Handlers read it at their cold start, on their first request.
  process.env.PUBLIC_SITE_URL ??= gateway.url;
  process.env.INDEXNOW_KEY ??= LOCAL_INDEXNOW_KEY;
  process.env.BILLING_RETURN_URL ??= `${gateway.url}/app/billing`;
  stripe.setWebhook({ url: `${gateway.url}/stripe-webhook`, secret: options.secrets?.STRIPE_WEBHOOK_SECRETS?.split(',').at(-1) ?? LOCAL_STRIPE_WEBHOOK_SECRET });
  const poller = startPoller(queues, queueFunctions(), { waitTimeSeconds: options.pollWaitSeconds, concurrency: options.pollerConcurrency });
  const scheduler = startScheduler(scheduledFunctions(), { autoStart: options.schedules !== 'manual', log: (l) => process.stderr.write(`${l}\n`) });
  return {
    url: gateway.url,
    identity,
    queues,
    secretsEndpoint: secrets.endpoint,
    platforms,
    ai,
    seo,
    stripe,
    scheduler,
    async stop() {
      await scheduler.stop();
      await poller.stop();
      await gateway.stop();
      await queues.stop();
      await platforms.stop();
      await ai.stop();
      await seo.stop();
      await stripe.stop();
      await closeDb();
    },
  };
}
