/**
 * What each Lambda's measured cold start serves: one realistic request that reaches the database, shaped as its
 * trigger delivers it (API Gateway payload 2.0, SQS, EventBridge Scheduler's input, Cognito), and the outcome that
 * shows it did (a 500 or a failed batch would mean the request never got as far as its query).
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, PostConfirmationTriggerEvent, SQSEvent } from 'aws-lambda';
import { signStripePayload } from '../../functions/billing/signature.ts';
import { LAMBDA_NODE_OPTIONS } from '../../infra/constructs/bundling.ts';
import { queues } from '../../functions/manifest.ts';

export const STRIPE_WEBHOOK_SECRET = 'whsec_cold_init';
const fakeQueueUrls = (host: string) => JSON.stringify(Object.fromEntries(Object.keys(queues)
  .map((queue) => [queue, `https://${host}.us-east-1.amazonaws.com/000000000000/streamvibe-${queue}`])));

/** The environment every measured Lambda gets: what the CDK app sets (fake queues, secrets), the local database. */
export function lambdaEnv(databaseUrl: string, functionName: string, secrets: Record<string, string>): Record<string, string> {
  return {
    ...secrets,
    DATABASE_URL: databaseUrl, DB_POOL_MAX: '1',
    JOB_QUEUE_URLS: fakeQueueUrls('sqs'), JOB_DLQ_URLS: fakeQueueUrls('sqs-dlq'),
    PUBLIC_SITE_URL: 'https://streamvibe.example', INDEXNOW_KEY: 'cold-init-indexnow-key',
    OAUTH_REDIRECT_BASE_URL: 'https://api.streamvibe.example', APP_URL: 'https://streamvibe.example/settings/connections',
    OAUTH_SECRET_PREFIX: 'streamvibe/cold-init/oauth/', SEO_SECRET_PREFIX: 'streamvibe/cold-init/seo/',
    STRIPE_PRICES: JSON.stringify({ basic: { month: 'price_cold_basic' }, premium: { month: 'price_cold_premium' } }),
    BILLING_RETURN_URL: 'https://streamvibe.example/settings/billing',
    AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIACOLDINIT', AWS_SECRET_ACCESS_KEY: 'cold-init', AWS_LAMBDA_FUNCTION_NAME: functionName,
    // Errors only: a log line per request would be measured as much as the code.
    LOG_LEVEL: 'ERROR', TZ: 'UTC', NODE_OPTIONS: LAMBDA_NODE_OPTIONS,
  };
}

/** `route` is the route's path when it has parameters (`/creator/{slug}`), whose values go in `pathParameters`. */
function httpEvent(method: string, path: string, options: {
  sub?: string; groups?: string; body?: string; headers?: Record<string, string>; route?: string; pathParameters?: Record<string, string>;
} = {}): APIGatewayProxyEventV2 {
  const now = new Date();
  const routeKey = `${method} ${options.route ?? path}`;
  const requestContext = {
    accountId: '000000000000', apiId: 'cold-init', domainName: 'api.streamvibe.example', domainPrefix: 'api', requestId: randomUUID(),
    routeKey, stage: '$default', time: now.toUTCString(), timeEpoch: now.getTime(),
    http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'cold-init' },
    // As API Gateway's JWT authorizer passes them: every claim a string, scopes null.
    ...(options.sub ? { authorizer: { jwt: { scopes: null, claims: {
      sub: options.sub, email: `${options.sub}@example.com`, token_use: 'id', 'cognito:groups': options.groups ?? '[]', iat: String(Math.floor(now.getTime() / 1000)),
    } } } } : {}),
  };
  return {
    version: '2.0', routeKey, rawPath: path, ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}), rawQueryString: '', isBase64Encoded: false,
    headers: { host: 'api.streamvibe.example', 'user-agent': 'cold-init', ...options.headers }, body: options.body, requestContext,
  } as APIGatewayProxyEventV2;
}

/** A Stripe event our webhook logs, verifies with the SDK and then ignores (an invoice of no subscription: no Stripe call). */
function stripeWebhookEvent(): APIGatewayProxyEventV2 {
  const body = JSON.stringify({ id: `evt_${randomUUID().replaceAll('-', '')}`, object: 'event', type: 'invoice.paid',
    created: Math.floor(Date.now() / 1000), data: { object: { object: 'invoice' } } });
  return httpEvent('POST', '/stripe-webhook', { body, headers: {
    'content-type': 'application/json', 'stripe-signature': signStripePayload(body, STRIPE_WEBHOOK_SECRET) } });
}

function sqsEvent(queue: string, body: string): SQSEvent {
  return { Records: [{
    messageId: randomUUID(), receiptHandle: 'cold-init', body, md5OfBody: '', messageAttributes: {}, eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:streamvibe-${queue}`, awsRegion: 'us-east-1',
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 'cold-init', ApproximateFirstReceiveTimestamp: String(Date.now()) },
  }] };
}

function postConfirmationEvent(): PostConfirmationTriggerEvent {
  const sub = randomUUID();
  return {
    version: '1', region: 'us-east-1', userPoolId: 'us-east-1_coldinit', userName: sub, triggerSource: 'PostConfirmation_ConfirmSignUp',
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: 'cold-init' },
    request: { userAttributes: { sub, email: `${sub}@example.com`, email_verified: 'true', 'cognito:user_status': 'CONFIRMED' } },
    response: {},
  };
}

export interface Invocation {
  /** A fresh event per cold start (new ids, a current signature). */
  event: () => unknown;
  /** The outcome that proves the request reached its query. */
  expected: string;
}

/** The invocation of each Lambda (by manifest name) and of the baseline; a Lambda missing here fails the measurement. */
export const INVOCATIONS: Record<string, Invocation> = {
  baseline: { event: () => httpEvent('GET', '/'), expected: '200' },
  'auth-triggers': { event: postConfirmationEvent, expected: 'ok' },
  // A signed-in user with no users row yet: the query runs and finds nothing.
  'account-http': { event: () => httpEvent('GET', '/me', { sub: randomUUID() }), expected: '404' },
  'jobs-http': { event: () => httpEvent('GET', '/jobs', { sub: randomUUID() }), expected: '200' },
  'jobs-worker-maintenance': { event: () => sqsEvent('maintenance', JSON.stringify({ job_id: randomUUID() })), expected: '0 failed' },
  'jobs-scheduled': { event: () => ({ task: 'detect-stuck-jobs' }), expected: 'ok' },
  'billing-http': { event: stripeWebhookEvent, expected: '200' },
  'billing-scheduled': { event: () => ({ task: 'stripe-webhook-retry' }), expected: 'ok' },
  // A signed-in user with no content: the list query runs and finds nothing.
  'content-http': { event: () => httpEvent('GET', '/my-content', { sub: randomUUID() }), expected: '200' },
  'discovery-http': { event: () => httpEvent('GET', '/browse-categories'), expected: '200' },
  'discovery-scheduled': { event: () => ({ task: 'category-counts' }), expected: 'ok' },
  'oauth-http': { event: () => httpEvent('GET', '/connections', { sub: randomUUID() }), expected: '200' },
  'oauth-worker-tokens': { event: () => sqsEvent('tokens', JSON.stringify({ job_id: randomUUID() })), expected: '0 failed' },
  'oauth-scheduled': { event: () => ({ task: 'oauth-state-purge' }), expected: 'ok' },
  // A signed-in user without such an account: the lookup runs and finds none.
  'sync-http': { event: () => httpEvent('POST', '/sync-youtube', { sub: randomUUID(), body: '{}', headers: { 'content-type': 'application/json' } }), expected: '404' },
  'sync-worker-sync': { event: () => sqsEvent('sync', JSON.stringify({ job_id: randomUUID() })), expected: '0 failed' },
  'sync-scheduled': { event: () => ({ task: 'auto-sync' }), expected: 'ok' },
  'ai-http': { event: () => httpEvent('GET', '/ai-settings', { sub: randomUUID() }), expected: '200' },
  'ai-worker-ai': { event: () => sqsEvent('ai', JSON.stringify({ job_id: randomUUID() })), expected: '0 failed' },
  'ai-scheduled': { event: () => ({ task: 'trending-keywords' }), expected: 'ok' },
  // An admin token whose user holds no admin role (a fresh sub): the route's re-check reads user_role and refuses.
  'admin-http': { event: () => httpEvent('GET', '/admin-job-health', { sub: randomUUID(), groups: '[admin]' }), expected: '403' },
  // A signed-in user without submissions: the keyset query runs and finds none.
  'seo-http': { event: () => httpEvent('GET', '/seo-submissions', { sub: randomUUID() }), expected: '200' },
  'seo-worker-seo': { event: () => sqsEvent('seo', JSON.stringify({ job_id: randomUUID() })), expected: '0 failed' },
  'seo-scheduled': { event: () => ({ task: 'seo-auto-submit' }), expected: 'ok' },
  // No such creator: the page query runs, then the deleted-page check, and a 404 page is rendered.
  'site-http': {
    event: () => httpEvent('GET', '/creator/cold-init', { route: '/creator/{slug}', pathParameters: { slug: 'cold-init' } }), expected: '404',
  },
};
