/**
 * The submissions half of `npm run bench:seo` (issue 14, point 10): `--urls` changed pages (default 10,000) → the
 * requests StreamVibe sends each engine, against the fewest each API allows and against announcing each change on its
 * own (one job per changed item and engine, as a naive per-change hook would).
 *
 * One creator with auto-submit on and a Google and a Bing connection publishes `--urls` items in sync pages of 500
 * rows (the trigger queues each URL); the queue is drained as `seo-auto-submit` drains it (drain_seo_pending), and every
 * job it made runs through the seo queue's real worker handler, in this process, against the SEO sandbox, which counts
 * the requests. The engines' daily limits are raised to the run's size (Google's default is 200 a day), in the bench
 * database and the sandbox only. The same items published with auto-submit off give the trigger's cost.
 *
 *   --urls N       changed pages (default 10000)
 *   DATABASE_URL   use this server (a role that may create roles and databases); a database is created and dropped
 */
import type { Context, SQSEvent } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import postgres, { type Sql } from 'postgres';
import { quiet } from '../../db/bootstrap.ts';
import { BING_MAX_URLS_PER_BATCH } from '../../functions/seo/engines/bing.ts';
import { INDEXNOW_MAX_URLS_PER_POST } from '../../functions/seo/engines/indexnow.ts';
import { startSeoSandbox, type SeoSandbox } from '../../local/sandboxes/seo/index.ts';
import { seedLocalSecrets } from '../../local/secrets.ts';
import { startBenchDatabase } from '../jobs/database.ts';

const SITE = 'https://bench.streamvibe.example';
const INDEXNOW_KEY = 'streamvibe-bench-indexnow-key';
const SYNC_PAGE_ROWS = 500;
/** Jobs run at once, as the seo worker's event source allows (manifest maxConcurrency). */
const WORKER_CONCURRENCY = 5;

export interface SubmissionsResult {
  urls: number;
  engines: { engine: string; jobs: number; requests: number; detail: string; minimum: number; minimumDetail: string; naive: number; seconds: number }[];
  queueMs: { autoSubmitOff: number; autoSubmitOn: number; drain: number };
  database: string;
}

/** Runs the measurement and returns its numbers (bench/seo/run.ts prints and saves them). */
export async function runSubmissions({ urls, log }: { urls: number; log: (line: string) => void }): Promise<SubmissionsResult> {
  const database = await startBenchDatabase(process.env.DATABASE_URL, 'seo');
  const owner = postgres(database.ownerUrl, { max: 2, ...quiet });
  const sandbox = await startSeoSandbox();
  try {
    await configureLambdaEnvironment(database.appUrl, sandbox);
    const creator = await createCreator(owner, sandbox, urls);
    log(`bench:seo: a creator with Google and Bing connections on ${SITE}/; publishing ${urls} items with auto-submit off, then on`);

    const autoSubmitOff = await publish(owner, creator, urls, 'off');
    await owner`INSERT INTO seo.setting (user_id, auto_submit) VALUES (${creator.userId}, true)`;
    const autoSubmitOn = await publish(owner, creator, urls, 'on');
    const [queued] = await owner`SELECT count(*)::int AS n FROM seo.pending_url WHERE user_id = ${creator.userId}`;
    if (queued!.n !== urls) throw new Error(`bench:seo: ${queued!.n} URLs queued, expected ${urls}`);
    await owner`UPDATE seo.pending_url SET changed_at = now() - interval '1 minute'`;

    const drainStart = performance.now();
    // What seo-auto-submit does, without the send to SQS: the jobs run below, through the worker's handler.
    const { takePendingChanges } = await import('../../functions/seo/tasks.ts');
    const jobs = await takePendingChanges();
    const drain = performance.now() - drainStart;
    log(`bench:seo: drained into ${jobs.length} jobs in ${drain.toFixed(0)} ms; running them through the seo worker`);

    const engines: SubmissionsResult['engines'] = [];
    for (const engine of ['indexnow', 'bing', 'google'] as const) {
      const ids = jobs.filter((job) => job.engine === engine).map((job) => job.job_id);
      const before = sandbox.calls().length;
      const started = performance.now();
      await runJobs(ids);
      const seconds = (performance.now() - started) / 1000;
      const calls = sandbox.calls().slice(before);
      const [done] = await owner`
        SELECT count(*)::int AS n FROM seo_submission s JOIN search_engine e ON e.id = s.search_engine_id
        WHERE e.slug = ${engine} AND s.status = 'submitted'`;
      if (done!.n !== urls) throw new Error(`bench:seo: ${done!.n} of ${urls} URLs submitted to ${engine}`);
      const count = (host: string, path?: string) => calls.filter((c) => c.host === host && (!path || c.path.endsWith(path))).length;
      if (engine === 'indexnow') {
        const posts = count('api.indexnow.org');
        engines.push({ engine: 'IndexNow', jobs: ids.length, requests: posts, detail: `${posts} POST /indexnow`,
          minimum: Math.ceil(urls / INDEXNOW_MAX_URLS_PER_POST), minimumDetail: `1 POST per ${INDEXNOW_MAX_URLS_PER_POST.toLocaleString('en')} URLs of one host`,
          naive: urls, seconds });
      } else if (engine === 'bing') {
        const quota = count('ssl.bing.com', '/GetUrlSubmissionQuota');
        const batches = count('ssl.bing.com', '/SubmitUrlBatch');
        engines.push({ engine: 'Bing', jobs: ids.length, requests: quota + batches, detail: `${batches} SubmitUrlBatch + ${quota} GetUrlSubmissionQuota`,
          minimum: Math.ceil(urls / BING_MAX_URLS_PER_BATCH) + 1, minimumDetail: `SubmitUrlBatch of ${BING_MAX_URLS_PER_BATCH} + 1 quota read`,
          naive: 2 * urls, seconds });
      } else {
        // The adapter's token outlives a job (one per container and key): the one fetched when the connection was verified.
        const tokens = sandbox.calls({ host: 'oauth2.googleapis.com' }).length;
        const publishes = count('indexing.googleapis.com', ':publish');
        engines.push({ engine: 'Google', jobs: ids.length, requests: tokens + publishes, detail: `${publishes} publish + ${tokens} token, at verification`,
          minimum: urls + 1, minimumDetail: 'one publish per URL (a batch request still counts each) + 1 token', naive: 2 * urls, seconds });
      }
    }
    return { urls, engines, queueMs: { autoSubmitOff, autoSubmitOn, drain }, database: database.description };
  } finally {
    const { closeDb } = await import('../../functions/_shared/db.ts');
    await closeDb();
    await owner.end();
    await sandbox.stop();
    await database.stop();
  }
}

/** A seo Lambda's environment (as the CDK app and local/stack.ts set it), on the bench database and the SEO sandbox. */
async function configureLambdaEnvironment(appUrl: string, sandbox: SeoSandbox) {
  Object.assign(process.env, { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' });
  const secrets = await seedLocalSecrets({});
  const queueUrls = (suffix: string) => JSON.stringify(Object.fromEntries(['sync', 'ai', 'seo', 'maintenance', 'tokens']
    .map((queue) => [queue, `https://sqs.us-east-1.amazonaws.com/000000000000/sv-bench-${queue}${suffix}`])));
  Object.assign(process.env, secrets.environment, {
    // The scheduled Lambda's statement timeout, as the CDK app sets it (half its 120 s); the worker's is longer.
    DATABASE_URL: appUrl, DB_POOL_MAX: String(WORKER_CONCURRENCY + 1), LOG_LEVEL: 'ERROR', DB_STATEMENT_TIMEOUT_MS: '60000',
    PUBLIC_SITE_URL: SITE, INDEXNOW_KEY, SEO_API_BASE_URL: sandbox.url, SEO_SECRET_PREFIX: 'streamvibe/bench/seo/',
    JOB_QUEUE_URLS: queueUrls(''), JOB_DLQ_URLS: queueUrls('-dlq'),
  });
  // The site's key file, as the site serves it at /<key>.txt.
  sandbox.indexnow.fetchKeyFile = async () => new Response(INDEXNOW_KEY);
}

interface Creator {
  userId: string;
  socialAccountId: string;
  platformId: string;
}

/** The creator, a tier whose SEO quota covers three engines × `urls`, both connections (verified as the API does). */
async function createCreator(owner: Sql, sandbox: SeoSandbox, urls: number): Promise<Creator> {
  const userId = randomUUID();
  await owner`INSERT INTO users (id, email, display_name, profile_slug, is_public) VALUES (${userId}, ${`${userId}@bench.example`}, 'Bench', 'bench-seo', true)`;
  await owner`
    INSERT INTO subscription_tier (slug, display_name, price_cents, max_social_accounts, max_syncs_per_month, max_ai_analyses_per_month,
                                   max_seo_submissions_per_month, is_active)
    VALUES ('bench-seo', 'Bench', 0, 5, 10, 10, ${3 * urls}, false)`;
  await owner`INSERT INTO subscription (user_id, tier_id, status_id) SELECT ${userId}, t.id, s.id FROM subscription_tier t, subscription_status s
              WHERE t.slug = 'bench-seo' AND s.slug = 'active'`;
  const [account] = await owner`
    INSERT INTO social_account (user_id, platform_id, platform_account_id, display_name, status_id)
    SELECT ${userId}, p.id, 'bench', 'Bench', s.id FROM platform p, account_status s WHERE p.slug = 'youtube' AND s.slug = 'active'
    RETURNING id, platform_id`;
  await owner`UPDATE search_engine SET daily_quota = ${urls} WHERE slug IN ('google', 'bing')`;

  const key = sandbox.google.serviceAccount({ project: 'bench-seo' });
  sandbox.google.own(key.client_email, `${SITE}/`);
  sandbox.google.setQuota('bench-seo', { publishPerDay: urls, requestsPerMinute: 1_000_000 });
  const bingKey = sandbox.bing.register({ siteUrl: `${SITE}/`, dailyQuota: urls, monthlyQuota: urls });
  const { connect } = await import('../../functions/seo/connections.ts');
  const { db } = await import('../../functions/_shared/db.ts');
  await connect(db(), userId, { search_engine: 'google', site_url: `${SITE}/`, service_account_key: JSON.stringify(key) });
  await connect(db(), userId, { search_engine: 'bing', site_url: `${SITE}/`, api_key: bingKey });
  return { userId, socialAccountId: account!.id as string, platformId: account!.platform_id as string };
}

/** `count` new public items in pages of SYNC_PAGE_ROWS rows, one statement each (as the sync writes a page); ms taken. */
async function publish(owner: Sql, creator: Creator, count: number, prefix: string): Promise<number> {
  const started = performance.now();
  for (let start = 0; start < count; start += SYNC_PAGE_ROWS) {
    await owner`
      INSERT INTO content_item (social_account_id, user_id, platform_id, content_type_id, platform_content_id, title, category_code)
      SELECT ${creator.socialAccountId}, ${creator.userId}, ${creator.platformId}, (SELECT id FROM content_type WHERE slug = 'long_video'),
             ${prefix} || '-' || i, 'Bench video ' || i, 'gaming'
      FROM generate_series(${start}::int, ${Math.min(start + SYNC_PAGE_ROWS, count) - 1}::int) i`;
  }
  return performance.now() - started;
}

/** The jobs through the seo worker's handler, WORKER_CONCURRENCY at a time, one SQS message each. */
async function runJobs(jobIds: string[]) {
  const { handler } = await import('../../functions/seo/worker-seo.ts');
  const queue = [...jobIds];
  const context = (name: string) => ({
    functionName: 'bench-seo-worker', awsRequestId: name, getRemainingTimeInMillis: () => 60_000,
  }) as unknown as Context;
  await Promise.all(Array.from({ length: WORKER_CONCURRENCY }, async () => {
    for (let id = queue.shift(); id; id = queue.shift()) {
      const event: SQSEvent = { Records: [{
        messageId: randomUUID(), receiptHandle: 'bench', body: JSON.stringify({ job_id: id }), md5OfBody: '', messageAttributes: {},
        eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:sv-bench-seo', awsRegion: 'us-east-1',
        attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 'bench', ApproximateFirstReceiveTimestamp: String(Date.now()) },
      }] };
      const answer = await handler(event, context(id));
      if (answer.batchItemFailures.length > 0) throw new Error(`bench:seo: job ${id} was not processed`);
    }
  }));
}

/** The result as a Markdown table, with the run's facts. */
export function submissionsReport(result: SubmissionsResult): string {
  const rows = result.engines.map((e) => `| ${e.engine} | ${e.jobs} | ${e.requests.toLocaleString('en')} (${e.detail}) | `
    + `${e.minimum.toLocaleString('en')} (${e.minimumDetail}) | ${(e.requests / e.minimum).toFixed(2)}× | ${e.naive.toLocaleString('en')} | ${e.seconds.toFixed(1)} |`);
  return [
    `### ${result.urls.toLocaleString('en')} changed URLs → requests per engine`,
    '',
    '| engine | jobs | requests sent | fewest the API allows | sent / fewest | one job per change (naive) | seconds |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `Queueing (the auto-submit trigger): ${result.urls.toLocaleString('en')} items in pages of ${SYNC_PAGE_ROWS} rows took `
      + `${result.queueMs.autoSubmitOn.toFixed(0)} ms with auto-submit on vs ${result.queueMs.autoSubmitOff.toFixed(0)} ms off; `
      + `the drain (submissions, quota, usage, jobs) ${result.queueMs.drain.toFixed(0)} ms.`,
    `Naive: a job per changed item and engine (IndexNow: one POST each; Bing: a quota read and a SubmitUrl each; Google: a token and a publish each, no token cache across Lambdas).`,
    `Database: ${result.database}.`,
  ].join('\n');
}
