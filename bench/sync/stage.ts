/**
 * What `npm run bench:sync` runs around the measured worker, all in the parent process: the platform sandbox, the
 * local Secrets Manager (OAuth client credentials and the connections' tokens), and creators with a connected YouTube
 * channel, connected the way the OAuth callback does it (the provider adapter's code exchange and identity call
 * against the sandbox, `saveConnection` with the real vault).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Sql } from 'postgres';
import { asService } from '../../db/context.ts';
import { providerFor } from '../../functions/oauth/config.ts';
import { saveConnection } from '../../functions/oauth/connections.ts';
import { tokenVault } from '../../functions/oauth/vault.ts';
import { requestSync } from '../../functions/sync/request.ts';
import { youtubeQuota } from '../../local/sandboxes/platforms/google-content.ts';
import { startPlatformSandbox, type PlatformSandbox } from '../../local/sandboxes/platforms/index.ts';
import { seedLocalSecrets } from '../../local/secrets.ts';
import { LOCAL_SECRET_SETTINGS } from '../../local/stack.ts';

/** Far above what any run spends (a 50,000-video channel costs 2,001 units): the bench counts units, it does not ration them. */
const BENCH_DAILY_QUOTA_UNITS = 10_000_000;
const LOCAL_ORIGIN = 'http://127.0.0.1:9';

export interface SyncStage {
  sandbox: PlatformSandbox;
  /** The environment of a sync Lambda on this stage (the worker process gets it, plus DATABASE_URL). */
  lambdaEnvironment: Record<string, string>;
  /** YouTube Data API units the sandbox has charged so far (all clients, today). */
  quotaUnitsUsed(): number;
  stop(): Promise<void>;
}

/** Starts the sandbox and the secrets, and points this process (the connect step) and the worker's environment at them. */
export async function startSyncStage(): Promise<SyncStage> {
  const aws = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };
  Object.assign(process.env, aws);
  const secrets = await seedLocalSecrets(LOCAL_SECRET_SETTINGS);
  const sandbox = await startPlatformSandbox();
  const quota = youtubeQuota(sandbox.state);
  quota.dailyUnits = BENCH_DAILY_QUOTA_UNITS;
  const lambdaEnvironment = {
    ...aws, ...secrets.environment,
    // As local/stack.ts sets them for the oauth and sync features.
    OAUTH_SECRET_PREFIX: 'streamvibe/local/oauth/', PLATFORM_API_BASE_URL: sandbox.url,
    OAUTH_REDIRECT_BASE_URL: LOCAL_ORIGIN, APP_URL: `${LOCAL_ORIGIN}/app/connections`,
    // The worker reads them at cold start; nothing is sent unless a job fails for good or defers.
    JOB_QUEUE_URLS: JSON.stringify(queueUrls('')), JOB_DLQ_URLS: JSON.stringify(queueUrls('-dlq')),
  };
  Object.assign(process.env, lambdaEnvironment);
  return {
    sandbox, lambdaEnvironment,
    quotaUnitsUsed: () => quota.dailyUnits - quota.remaining(),
    stop: () => sandbox.stop(),
  };
}

const queueUrls = (suffix: string) => Object.fromEntries(['sync', 'ai', 'seo', 'maintenance', 'tokens']
  .map((queue) => [queue, `https://sqs.us-east-1.amazonaws.com/000000000000/sv-bench-${queue}${suffix}`]));

/** A premium creator (3,000 syncs a month, 20 accounts), made as the signup trigger and the billing webhook would leave it. */
export async function createCreator(app: Sql, owner: Sql): Promise<string> {
  const userId = randomUUID();
  await asService(app, (tx) => tx`INSERT INTO users (id, email) VALUES (${userId}, ${`${userId}@bench.example`})`);
  await owner`
    INSERT INTO subscription (user_id, tier_id, status_id) SELECT ${userId}, t.id, s.id FROM subscription_tier t, subscription_status s
    WHERE t.slug = 'premium' AND s.slug = 'active'`;
  return userId;
}

/**
 * Connects `login`'s YouTube channel for the user as the OAuth callback does: consent at the sandbox (the form a person
 * submits), the adapter's code exchange with PKCE, its identity call, then `saveConnection` (tokens into the vault).
 */
export async function connectYoutube(app: Sql, userId: string, login: string): Promise<string> {
  const provider = await providerFor('youtube');
  if (!provider) throw new Error('bench:sync: the local OAUTH_CLIENTS secret has no youtube client');
  const codeVerifier = randomBytes(32).toString('base64url');
  const authorize = new URL(provider.authorizeUrl({ state: randomBytes(32).toString('base64url'), codeVerifier }));
  const consent = new URLSearchParams(authorize.searchParams);
  consent.set('login', login);
  consent.set('decision', 'allow');
  const answer = await fetch(authorize.origin + authorize.pathname, {
    method: 'POST', body: consent, redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  const code = new URL(answer.headers.get('location') ?? 'x:').searchParams.get('code');
  if (!code) throw new Error(`bench:sync: the sandbox gave no code for ${login} (${answer.status} ${await answer.text()})`);
  const tokens = await provider.exchangeCode(code, codeVerifier);
  const identity = await provider.identity(tokens);
  const { socialAccountId } = await saveConnection(app, tokenVault(), { userId, platform: 'youtube', tokens, identity });
  return socialAccountId;
}

/** A full sync job for the account through request_sync, as POST /sync-youtube creates it (left for the worker, not sent). */
export async function createSyncJob(app: Sql, userId: string, socialAccountId: string): Promise<string> {
  const requested = await requestSync(app, { dispatch: async () => [] }, { userId, socialAccountId, kind: 'sync_youtube', full: true });
  if ('exhausted' in requested) throw new Error('bench:sync: the creator has no syncs left');
  return requested.jobId;
}
