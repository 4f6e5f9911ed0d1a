/**
 * THE list of StreamVibe's features: each is a folder under functions/ and, in AWS, one HTTP Lambda serving all its
 * routes, one worker Lambda per queue it owns, one scheduled Lambda for its tasks and one for its Cognito triggers,
 * with what the feature may use. The CDK app and the local stack read only this; nothing else lists functions.
 */
import type { QueueName } from './_shared/queues.ts';
import type { RouteSpec } from './_shared/route.ts';
import type { TaskSpec } from './_shared/task.ts';
import { routes as accountRoutes } from './account/routes.ts';
import { routes as adminRoutes } from './admin/routes.ts';
import { routes as aiRoutes } from './ai/routes.ts';
import { tasks as aiTasks } from './ai/tasks.ts';
import { tasks as billingTasks } from './billing/tasks.ts';
import { routes as billingRoutes } from './billing/routes.ts';
import { routes as contentRoutes } from './content/routes.ts';
import { tasks as discoveryTasks } from './discovery/tasks.ts';
import { routes as discoveryRoutes } from './discovery/routes.ts';
import { tasks as jobsTasks } from './jobs/tasks.ts';
import { routes as jobsRoutes } from './jobs/routes.ts';
import { routes as oauthRoutes } from './oauth/routes.ts';
import { routes as seoRoutes } from './seo/routes.ts';
import { tasks as seoTasks } from './seo/tasks.ts';
import { routes as siteRoutes } from './site/routes.ts';
import { tasks as oauthTasks } from './oauth/tasks.ts';
import { routes as syncRoutes } from './sync/routes.ts';
import { tasks as syncTasks } from './sync/tasks.ts';

export interface QueueSpec {
  /** Must exceed the worker's timeout several times over (AWS: at least 6×), or SQS redelivers running jobs. */
  visibilityTimeoutSeconds: number;
  /** Receives before SQS moves a message it could not get processed to the dead-letter queue. */
  maxReceiveCount: number;
  retentionSeconds: number;
}

const DAY_SECONDS = 86_400;
/** One queue (+ DLQ) per job category: job_type.queue_name. The CDK app and the local emulator create exactly these. */
export const queues: Record<QueueName, QueueSpec> = {
  sync: { visibilityTimeoutSeconds: 1800, maxReceiveCount: 5, retentionSeconds: 4 * DAY_SECONDS },
  ai: { visibilityTimeoutSeconds: 720, maxReceiveCount: 5, retentionSeconds: 4 * DAY_SECONDS },
  seo: { visibilityTimeoutSeconds: 360, maxReceiveCount: 5, retentionSeconds: 4 * DAY_SECONDS },
  maintenance: { visibilityTimeoutSeconds: 1800, maxReceiveCount: 5, retentionSeconds: 4 * DAY_SECONDS },
  tokens: { visibilityTimeoutSeconds: 360, maxReceiveCount: 5, retentionSeconds: 4 * DAY_SECONDS },
};
const ALL_QUEUES = Object.keys(queues) as QueueName[];

/** Families of Secrets Manager secrets a feature may be granted, each a name prefix per stage. */
export type SecretFamily = 'oauth' | 'oauth-tokens' | 'seo';
/** Cognito user-pool triggers (the local identity calls the same handler). */
export type CognitoEvent = 'PostConfirmation' | 'PreTokenGeneration';

/** Size, time and concurrency limits of one Lambda. */
interface Limits {
  timeoutSeconds: number;
  memoryMb: number;
  /**
   * Concurrent executions set aside for this Lambda and no more (Lambda's reserved concurrency): what must keep
   * answering however busy the public routes are (the Stripe webhook). AWS keeps 100 of an account's executions
   * unreserved, so the account needs a concurrency quota above 100 + the sum of these.
   */
  reservedConcurrency?: number;
}

/** A worker's queue: how it is fed. */
interface WorkerSpec extends Limits {
  queue: QueueName;
  batchSize: number;
  maxBatchingWindowSeconds: number;
  /**
   * Most concurrent invocations the SQS event source makes (2–1000): a backlog cannot take the account's
   * concurrency or more database connections (one per container) than this.
   */
  maxConcurrency: number;
}

export interface FeatureSpec {
  /** The folder under functions/; its Lambdas' entries are http.ts, worker-<queue>.ts, scheduled.ts and triggers.ts there. */
  name: string;
  description: string;
  http?: Limits & { routes: readonly RouteSpec[] };
  /** The queues this feature owns: one worker Lambda each (an SQS event source, reportBatchItemFailures on). */
  workers?: WorkerSpec[];
  /** EventBridge Scheduler in AWS, the local scheduler under npm start: one schedule per task, all on one Lambda. */
  schedules?: Limits & { tasks: readonly TaskSpec[] };
  cognito?: Limits & { events: CognitoEvent[] };
  /** What every Lambda of the feature may use; deploys grant exactly this. */
  uses?: {
    /** Queues it sends job ids to. */
    sendsTo?: QueueName[];
    /** Queues whose dead-letter queue it inspects and redrives: receive, delete and change visibility there, send to the queue. */
    redrives?: QueueName[];
    /** Extra environment variables it reads (besides the database's). */
    env?: string[];
    /**
     * Secret families: `oauth` manages the token secrets under streamvibe/<stage>/oauth/ (create, read, change,
     * delete); `oauth-tokens` reads them and stores refreshed tokens (no create or delete); `seo` manages the SEO
     * connections' credentials under streamvibe/<stage>/seo/ (create, read, delete).
     */
    secrets?: SecretFamily[];
  };
}

const API: Limits = { timeoutSeconds: 10, memoryMb: 512 };
const SCHEDULED: Limits = { timeoutSeconds: 120, memoryMb: 256 };

export const features: FeatureSpec[] = [
  {
    name: 'auth', description: 'Cognito triggers: the users row at sign-up, the user’s roles (user_role) as cognito:groups in every token',
    cognito: { events: ['PostConfirmation', 'PreTokenGeneration'], timeoutSeconds: 5, memoryMb: 256 },
  },
  { name: 'account', description: 'Profile set-up, the caller’s account and notifications', http: { ...API, routes: accountRoutes } },
  {
    name: 'jobs', description: 'Job status for users, admins’ maintenance runs, the maintenance worker and the job system’s schedules',
    http: { ...API, routes: jobsRoutes },
    workers: [{ queue: 'maintenance', batchSize: 5, maxBatchingWindowSeconds: 1, maxConcurrency: 5, timeoutSeconds: 300, memoryMb: 512 }],
    schedules: { ...SCHEDULED, tasks: jobsTasks },
    // The outbox sweep sends any category's pending jobs.
    uses: { sendsTo: ALL_QUEUES },
  },
  {
    name: 'billing', description: 'Stripe billing: checkout, the customer portal, plans, webhooks and their retries',
    // Reserved: Stripe's deliveries are served however busy the public routes keep the account.
    http: { ...API, reservedConcurrency: 5, routes: billingRoutes }, schedules: { ...SCHEDULED, tasks: billingTasks },
    uses: { env: ['STRIPE_WEBHOOK_SECRETS', 'STRIPE_API_KEY', 'STRIPE_PRICES', 'BILLING_RETURN_URL'] },
  },
  {
    name: 'oauth', description: 'Connecting platform accounts (OAuth), their tokens in Secrets Manager, refresh and disconnect',
    http: { ...API, routes: oauthRoutes },
    workers: [{ queue: 'tokens', batchSize: 5, maxBatchingWindowSeconds: 1, maxConcurrency: 5, timeoutSeconds: 60, memoryMb: 512 }],
    schedules: { ...SCHEDULED, tasks: oauthTasks },
    uses: { sendsTo: ['tokens'], env: ['OAUTH_REDIRECT_BASE_URL', 'APP_URL', 'OAUTH_CLIENTS'], secrets: ['oauth'] },
  },
  { name: 'content', description: 'The creator’s own content: list (private and deleted too), edit, delete', http: { ...API, routes: contentRoutes } },
  {
    name: 'sync', description: 'Content sync from the five platforms: users’ syncs, auto syncs, follower counts',
    http: { ...API, routes: syncRoutes },
    // 300 s: a sixth of the sync queue's visibility timeout; a longer sync resumes from its last page on the next attempt.
    workers: [{ queue: 'sync', batchSize: 1, maxBatchingWindowSeconds: 0, maxConcurrency: 10, timeoutSeconds: 300, memoryMb: 1024 }],
    schedules: { ...SCHEDULED, tasks: syncTasks },
    uses: { sendsTo: ['sync'], env: ['OAUTH_REDIRECT_BASE_URL', 'APP_URL', 'OAUTH_CLIENTS'], secrets: ['oauth-tokens'] },
  },
  {
    name: 'ai', description: 'AI titles, tags and descriptions (four providers or the offline engine), SEO and trending scores, costs',
    http: { ...API, routes: aiRoutes },
    // 120 s: a sixth of the ai queue's visibility timeout; a bulk job that runs out of time goes on from its next item on retry.
    workers: [{ queue: 'ai', batchSize: 1, maxBatchingWindowSeconds: 0, maxConcurrency: 10, timeoutSeconds: 120, memoryMb: 1024 }],
    schedules: { ...SCHEDULED, tasks: aiTasks },
    uses: { sendsTo: ['ai'], env: ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GEMINI_API_KEY'] },
  },
  {
    name: 'seo', description: 'Submitting creators’ public pages to Google, Bing and IndexNow: connections, submissions, auto-submit',
    http: { ...API, routes: seoRoutes },
    // 60 s: a sixth of the seo queue's visibility timeout; a job is at most one engine request's worth of URLs (Google: 100 publishes).
    workers: [{ queue: 'seo', batchSize: 1, maxBatchingWindowSeconds: 0, maxConcurrency: 5, timeoutSeconds: 60, memoryMb: 512 }],
    schedules: { ...SCHEDULED, tasks: seoTasks },
    uses: { sendsTo: ['seo'], env: ['PUBLIC_SITE_URL', 'INDEXNOW_KEY'], secrets: ['seo'] },
  },
  {
    name: 'discovery', description: 'The public discovery platform and its refreshes',
    http: { ...API, routes: discoveryRoutes }, schedules: { ...SCHEDULED, tasks: discoveryTasks },
    uses: { env: ['PUBLIC_SITE_URL', 'CLICK_HASH_SECRET', 'EDGE_ORIGIN_SECRET'] },
  },
  {
    name: 'admin', description: 'Operators’ tools: roles, verification, featured creators, moderation, user look-up, jobs and dead letters',
    http: { ...API, routes: adminRoutes },
    uses: { redrives: ALL_QUEUES },
  },
  {
    name: 'site', description: 'The public website’s crawlable pages: creator and content pages as server-rendered HTML, the IndexNow key file',
    http: { ...API, routes: siteRoutes },
    uses: { env: ['PUBLIC_SITE_URL', 'INDEXNOW_KEY'] },
  },
];

export interface HttpTrigger {
  kind: 'http';
  routes: readonly RouteSpec[];
}
export interface QueueTrigger {
  kind: 'queue';
  queue: QueueName;
  batchSize: number;
  maxBatchingWindowSeconds: number;
  maxConcurrency: number;
}
export interface ScheduleTrigger {
  kind: 'schedule';
  tasks: readonly TaskSpec[];
}
export interface CognitoTrigger {
  kind: 'cognito';
  events: CognitoEvent[];
}
export type Trigger = HttpTrigger | QueueTrigger | ScheduleTrigger | CognitoTrigger;

/** One Lambda of a feature, as the CDK app builds it and the local stack runs it. */
export interface FunctionSpec extends Limits {
  /** `<feature>-http`, `<feature>-worker-<queue>`, `<feature>-scheduled`, `<feature>-triggers`. */
  name: string;
  feature: string;
  /** Repo-relative module that exports `handler`. */
  entry: string;
  description: string;
  trigger: Trigger;
  sendsTo?: QueueName[];
  redrives?: QueueName[];
  env?: string[];
  secrets?: SecretFamily[];
}

/** The Lambdas of some features (all of them by default), in manifest order. */
export function lambdasOf(list: readonly FeatureSpec[] = features): FunctionSpec[] {
  return list.flatMap((feature) => {
    const folder = `functions/${feature.name}`;
    const lambda = (suffix: string, file: string, description: string, trigger: Trigger, limits: Limits): FunctionSpec => ({
      name: `${feature.name}-${suffix}`, feature: feature.name, entry: `${folder}/${file}`, description, trigger,
      timeoutSeconds: limits.timeoutSeconds, memoryMb: limits.memoryMb,
      ...(limits.reservedConcurrency === undefined ? {} : { reservedConcurrency: limits.reservedConcurrency }), ...feature.uses,
    });
    const { http, workers = [], schedules, cognito } = feature;
    return [
      ...(cognito ? [lambda('triggers', 'triggers.ts', `${feature.description} (Cognito ${cognito.events.join(', ')})`,
        { kind: 'cognito', events: cognito.events }, cognito)] : []),
      ...(http ? [lambda('http', 'http.ts', `${feature.description}: ${http.routes.length} routes`, { kind: 'http', routes: http.routes }, http)] : []),
      ...workers.map((w) => lambda(`worker-${w.queue}`, `worker-${w.queue}.ts`, `Runs the ${w.queue} queue's jobs`,
        { kind: 'queue', queue: w.queue, batchSize: w.batchSize, maxBatchingWindowSeconds: w.maxBatchingWindowSeconds, maxConcurrency: w.maxConcurrency }, w)),
      ...(schedules ? [lambda('scheduled', 'scheduled.ts', `${feature.name} schedules: ${schedules.tasks.map((t) => t.name).join(', ')}`,
        { kind: 'schedule', tasks: schedules.tasks }, schedules)] : []),
    ];
  });
}

/** Every Lambda of the app. */
export const functions = lambdasOf();

const byTrigger = <T extends Trigger>(kind: T['kind']) => (list: FunctionSpec[] = functions): (FunctionSpec & { trigger: T })[] =>
  list.filter((f): f is FunctionSpec & { trigger: T } => f.trigger.kind === kind);
export const httpFunctions = byTrigger<HttpTrigger>('http');
export const queueFunctions = byTrigger<QueueTrigger>('queue');
export const scheduledFunctions = byTrigger<ScheduleTrigger>('schedule');

/** Every route of every feature, with the Lambda that serves it. */
export const httpRoutes = (list: FunctionSpec[] = functions) =>
  httpFunctions(list).flatMap((fn) => fn.trigger.routes.map((route) => ({ fn, route })));
