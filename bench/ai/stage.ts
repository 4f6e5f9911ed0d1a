/**
 * What `npm run bench:ai` sets up around the measured worker, all in the parent process: the corpus (local/demo-data.ts,
 * as service_role), the bench creator with a premium subscription whose AI quota covers the run, the AI sandbox, the
 * local Secrets Manager with the provider keys, and the jobs, created with request_quota_job as the routes create them.
 */
import type { Sql } from 'postgres';
import { asService } from '../../db/context.ts';
import { requestQuotaJob } from '../../functions/jobs/quota-job.ts';
import { DEMO_EMAIL_DOMAIN, formatProgress, generateDemoData } from '../../local/demo-data.ts';
import { AI_SANDBOX_KEYS, startAiSandbox, type AiSandbox } from '../../local/sandboxes/ai/index.ts';
import { seedLocalSecrets } from '../../local/secrets.ts';
import { LOCAL_SECRET_SETTINGS } from '../../local/stack.ts';

/** The routes' bulk limit (functions/ai/routes/bulk-tag.ts MAX_BULK_ITEMS): a bulk job never carries more. */
export const BULK_JOB_ITEMS = 500;
/** Far above what a run takes: the bench counts analyses, it does not ration them (the bench database only). */
const BENCH_AI_ANALYSES_PER_MONTH = 1_000_000;
const SEED = 13;
const noDispatch = { dispatch: async () => [] };

export interface AiStage {
  sandbox: AiSandbox;
  /** An ai worker Lambda's environment on this stage (plus DATABASE_URL); the provider keys' secrets hold `unset`. */
  lambdaEnvironment: Record<string, string>;
  /** Puts the sandbox's OpenAI key into the OPENAI_API_KEY secret: workers started afterwards go through the SDK. */
  enableOpenai(): Promise<void>;
  stop(): Promise<void>;
}

export async function startAiStage(): Promise<AiStage> {
  const aws = { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };
  Object.assign(process.env, aws);
  const secrets = await seedLocalSecrets(LOCAL_SECRET_SETTINGS);
  const sandbox = await startAiSandbox();
  const lambdaEnvironment = {
    ...aws, ...secrets.environment,
    // As local/stack.ts sets them: the providers' base URLs at the sandbox (used only where a key is set).
    AI_OPENAI_BASE_URL: sandbox.baseUrls.openai, AI_ANTHROPIC_BASE_URL: sandbox.baseUrls.anthropic, AI_GOOGLE_BASE_URL: sandbox.baseUrls.google,
    // The worker reads them at cold start; nothing is sent unless a job fails for good or defers.
    JOB_QUEUE_URLS: JSON.stringify(queueUrls('')), JOB_DLQ_URLS: JSON.stringify(queueUrls('-dlq')),
  };
  return {
    sandbox, lambdaEnvironment,
    enableOpenai: async () => { await seedLocalSecrets({ OPENAI_API_KEY: AI_SANDBOX_KEYS.openai }); },
    stop: () => sandbox.stop(),
  };
}

const queueUrls = (suffix: string) => Object.fromEntries(['sync', 'ai', 'seo', 'maintenance', 'tokens']
  .map((queue) => [queue, `https://sqs.us-east-1.amazonaws.com/000000000000/sv-bench-${queue}${suffix}`]));

/**
 * The corpus: demo creator 1 (the bench creator) with `items` live items, then `corpusItems` items of 300 other creators
 * (local/demo-data.ts: titles and descriptions from each category's topics, formats and hooks; deterministic). The last
 * generation runs every refresh function (search.refresh_lexicon, refresh_trending_keywords, …), so the engine sees a
 * real lexicon and trends; then the owner analyzes. Returns the bench creator's id.
 */
export async function createCorpus(app: Sql, owner: Sql, items: number, corpusItems: number, log: (line: string) => void): Promise<string> {
  const progress = (p: Parameters<typeof formatProgress>[0]) => log(`  ${formatProgress(p)}`);
  // ~1% of demo items are archived (soft-deleted): generate enough for `items` live ones.
  const generated = Math.ceil(items * 1.02) + 20;
  await generateDemoData(app, { creators: 1, items: generated, seed: SEED, onProgress: progress });
  const [creator] = await owner`UPDATE users SET is_public = true WHERE email = ${`creator-1@${DEMO_EMAIL_DOMAIN}`} RETURNING id`;
  if (!creator) throw new Error('bench:ai: demo creator 1 is missing');
  const summary = await generateDemoData(app, { creators: 300, items: corpusItems, seed: SEED, creatorStart: 2, itemStart: generated + 1, onProgress: progress });
  log(`  refreshed: ${summary.refreshed.join(', ')}`);
  await owner`VACUUM (ANALYZE)`;
  await owner`UPDATE subscription_tier SET max_ai_analyses_per_month = ${BENCH_AI_ANALYSES_PER_MONTH} WHERE slug = 'premium'`;
  await owner`
    INSERT INTO subscription (user_id, tier_id, status_id) SELECT ${creator.id}, t.id, s.id FROM subscription_tier t, subscription_status s
    WHERE t.slug = 'premium' AND s.slug = 'active'
    ON CONFLICT (user_id) DO UPDATE SET tier_id = EXCLUDED.tier_id, status_id = EXCLUDED.status_id`;
  return creator.id as string;
}

/** The creator's live items, `count` of them, in id order (a stable pick). */
export async function pickItems(app: Sql, userId: string, count: number): Promise<string[]> {
  const rows = await asService(app, (tx) => tx`SELECT id FROM content_item WHERE user_id = ${userId} AND deleted_at IS NULL ORDER BY id LIMIT ${count}`);
  if (rows.length < count) throw new Error(`bench:ai: the creator has ${rows.length} live items, ${count} needed`);
  return rows.map((r) => r.id as string);
}

/** ai_bulk_tag jobs of at most BULK_JOB_ITEMS items each, as POST /ai-bulk-tag creates them (sorted ids, one analysis per item). */
export async function createBulkJobs(app: Sql, userId: string, itemIds: readonly string[]): Promise<string[]> {
  const jobs: string[] = [];
  for (let start = 0; start < itemIds.length; start += BULK_JOB_ITEMS) {
    const ids = itemIds.slice(start, start + BULK_JOB_ITEMS).sort();
    const job = await requestQuotaJob(app, noDispatch, {
      userId, kind: 'ai_bulk_tag', queue: 'ai', params: { content_item_ids: ids }, quotaType: 'ai_analysis', amount: ids.length,
    });
    if (!job.created) throw new Error('bench:ai: a bulk job already existed');
    jobs.push(job.jobId);
  }
  return jobs;
}

/** One ai_generate_tags job per item, as POST /ai-generate-tags creates them. */
export async function createSingleJobs(app: Sql, userId: string, itemIds: readonly string[]): Promise<string[]> {
  const jobs: string[] = [];
  for (const id of itemIds) {
    const job = await requestQuotaJob(app, noDispatch, { userId, kind: 'ai_generate_tags', queue: 'ai', params: { content_item_id: id }, quotaType: 'ai_analysis' });
    jobs.push(job.jobId);
  }
  return jobs;
}
