/**
 * THE list of StreamVibe's functions: what each runs, how it is triggered, its limits and what it may use.
 * The CDK app creates one Lambda per entry from it, and the local stack mounts the same entries; nothing else
 * lists functions.
 */
import type { QueueName } from './_shared/queues.ts';
import type { RouteSpec } from './_shared/route.ts';
import { routes as account } from './account/routes.ts';
import { routes as discovery } from './discovery/routes.ts';
import { routes as billing } from './billing/routes.ts';
import { routes as jobs } from './jobs/routes.ts';

export interface HttpTrigger {
  kind: 'http';
  route: RouteSpec;
}
/** Cognito user-pool triggers (the local identity calls the same handler). */
export interface CognitoTrigger {
  kind: 'cognito';
  event: 'PostConfirmation' | 'PreTokenGeneration';
}
/** An SQS event source (reportBatchItemFailures on). */
export interface QueueTrigger {
  kind: 'queue';
  queue: QueueName;
  batchSize: number;
  maxBatchingWindowSeconds: number;
}
/** EventBridge Scheduler in AWS (`rate(N minutes)`), the local scheduler under `npm start`. */
export interface ScheduleTrigger {
  kind: 'schedule';
  everyMinutes: number;
}
export type Trigger = HttpTrigger | CognitoTrigger | QueueTrigger | ScheduleTrigger;

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

export interface FunctionSpec {
  name: string;
  /** Repo-relative module that exports the handler. */
  entry: string;
  /** The export to invoke (default `handler`). */
  handler?: string;
  description: string;
  trigger: Trigger;
  timeoutSeconds: number;
  memoryMb: number;
  /** Queues it sends job ids to (and, for workers, dead-letters to): deploys grant exactly these. */
  sendsTo?: QueueName[];
  /** Extra environment variables the function reads (besides the database's), so deploys set only those. */
  env?: string[];
  /** Secret families it may use; deploys grant exactly these (`oauth`: the token secrets under streamvibe/<stage>/oauth/). */
  secrets?: SecretFamily[];
}

/** Families of Secrets Manager secrets a function may be granted, each a name prefix per stage. */
export type SecretFamily = 'oauth';

const API_TIMEOUT_SECONDS = 10;
const API_MEMORY_MB = 512;

const http = (name: string, entry: string, route: RouteSpec, extra: Partial<FunctionSpec> = {}): FunctionSpec => ({
  name, entry, description: route.summary, trigger: { kind: 'http', route },
  timeoutSeconds: API_TIMEOUT_SECONDS, memoryMb: API_MEMORY_MB, ...extra,
});

const ALL_QUEUES = Object.keys(queues) as QueueName[];
const schedule = (name: string, handler: string, everyMinutes: number, description: string,
  entry = 'functions/jobs/scheduled.ts', sendsTo: QueueName[] = ALL_QUEUES): FunctionSpec => ({
  name, entry, handler, description, trigger: { kind: 'schedule', everyMinutes }, timeoutSeconds: 60, memoryMb: 256, sendsTo,
});

export const functions: FunctionSpec[] = [
  {
    name: 'auth-post-confirmation', entry: 'functions/auth/post-confirmation.ts',
    description: 'Creates the users row when a sign-up is confirmed', trigger: { kind: 'cognito', event: 'PostConfirmation' },
    timeoutSeconds: 5, memoryMb: 256,
  },
  {
    name: 'auth-pre-token-generation', entry: 'functions/auth/pre-token-generation.ts',
    description: 'Puts the user’s roles (user_role) into cognito:groups of every token', trigger: { kind: 'cognito', event: 'PreTokenGeneration' },
    timeoutSeconds: 5, memoryMb: 256,
  },
  http('auth-profile-setup', 'functions/account/profile-setup.ts', account.profileSetup),
  http('me', 'functions/account/me.ts', account.me),
  http('me-update', 'functions/account/me-update.ts', account.updateMe),
  http('notifications', 'functions/account/notifications.ts', account.notifications),
  http('notifications-mark-read', 'functions/account/notifications-mark-read.ts', account.markNotificationsRead),

  http('job-status', 'functions/jobs/job-status.ts', jobs.jobStatus),
  http('jobs', 'functions/jobs/jobs.ts', jobs.jobs),
  http('job-logs', 'functions/jobs/job-logs.ts', jobs.jobLogs),
  http('job-cancel', 'functions/jobs/job-cancel.ts', jobs.jobCancel),
  http('job-stats', 'functions/jobs/job-stats.ts', jobs.jobStats),
  http('admin-run-job', 'functions/jobs/admin-run-job.ts', jobs.runJob, { sendsTo: ['maintenance'] }),
  {
    name: 'worker-maintenance', entry: 'functions/jobs/workers-maintenance.ts', description: 'Runs quota_reset and trending_refresh jobs',
    trigger: { kind: 'queue', queue: 'maintenance', batchSize: 5, maxBatchingWindowSeconds: 1 },
    timeoutSeconds: 300, memoryMb: 512, sendsTo: ['maintenance'],
  },
  schedule('schedule-outbox-sweep', 'sweepOutbox', 1, 'Sends every due job that was never sent or whose message was lost'),
  schedule('schedule-detect-stuck-jobs', 'detectStuckJobs', 5, 'Fails (for retry) jobs whose worker went silent for 30 minutes'),
  schedule('schedule-retry-failed-jobs', 'retryFailedJobs', 5, 'Requeues failed jobs whose backoff has elapsed'),
  schedule('schedule-expire-stale-jobs', 'expireStaleJobs', 15, 'Fails pending jobs nobody started within a day'),
  schedule('schedule-cleanup', 'cleanupOldJobs', 24 * 60, 'Deletes finished jobs and logs past 30 days, and expired cache'),
  schedule('schedule-quota-reset', 'scheduleQuotaReset', 60, 'Starts a quota_reset job (ended cycles roll forward)'),
  schedule('schedule-trending-refresh', 'scheduleTrendingRefresh', 15, 'Starts a trending_refresh job'),

  http('stripe-webhook', 'functions/billing/stripe-webhook.ts', billing.stripeWebhook, { env: ['STRIPE_WEBHOOK_SECRETS'] }),
  {
    name: 'schedule-stripe-webhook-retry', entry: 'functions/billing/scheduled.ts', handler: 'retryStripeWebhooks',
    description: 'Processes Stripe events whose earlier attempt failed or died', trigger: { kind: 'schedule', everyMinutes: 15 },
    timeoutSeconds: 120, memoryMb: 256,
  },

  http('browse-content', 'functions/discovery/browse-content.ts', discovery.browseContent),
  http('browse-creators', 'functions/discovery/browse-creators.ts', discovery.browseCreators),
  http('browse-categories', 'functions/discovery/browse-categories.ts', discovery.browseCategories),
  http('search-content', 'functions/discovery/search-content.ts', discovery.searchContent),
  http('search-creators', 'functions/discovery/search-creators.ts', discovery.searchCreators),
  http('get-trending', 'functions/discovery/get-trending.ts', discovery.getTrending),
  http('get-content-detail', 'functions/discovery/get-content-detail.ts', discovery.getContentDetail),
  http('get-creator-by-slug', 'functions/discovery/get-creator-by-slug.ts', discovery.getCreatorBySlug),
  http('get-seo-metadata', 'functions/discovery/get-seo-metadata.ts', discovery.getSeoMetadata, { env: ['PUBLIC_SITE_URL'] }),
  http('track-click', 'functions/discovery/track-click.ts', discovery.trackClick, { env: ['CLICK_HASH_SECRET'] }),
  http('sitemap-xml', 'functions/discovery/sitemap-xml.ts', discovery.sitemap, { env: ['PUBLIC_SITE_URL'] }),
  http('robots-txt', 'functions/discovery/robots-txt.ts', discovery.robots, { env: ['PUBLIC_SITE_URL'] }),
  schedule('schedule-category-counts', 'refreshCategoryCounts', 5, 'Recounts items per category for /browse-categories',
    'functions/discovery/scheduled.ts', []),
  schedule('schedule-creator-stats', 'refreshCreatorStats', 60, 'Recomputes creators’ content and view totals',
    'functions/discovery/scheduled.ts', []),
  schedule('schedule-search-lexicon', 'refreshSearchLexicon', 24 * 60, 'Rebuilds the typo-correction lexicon and the common search terms’ recency lists',
    'functions/discovery/scheduled.ts', []),
];

const byTrigger = <T extends Trigger>(kind: T['kind']) => (): (FunctionSpec & { trigger: T })[] =>
  functions.filter((f): f is FunctionSpec & { trigger: T } => f.trigger.kind === kind);
export const httpFunctions = byTrigger<HttpTrigger>('http');
export const queueFunctions = byTrigger<QueueTrigger>('queue');
export const scheduledFunctions = byTrigger<ScheduleTrigger>('schedule');
