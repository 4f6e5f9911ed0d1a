/**
 * `npm run bench:ai` (issue 13, point 10): bulk tagging with the offline engine (items/s, per-item latency), and what
 * StreamVibe adds to one provider call (everything but the AI sandbox's own handling time), goal p95 ≤ 10 ms. Prints
 * the tables and saves them to bench/results/ai-<date>.md.
 *
 * 1. A throwaway database with a corpus (demo data: the bench creator's items plus other creators', lexicon and trends
 *    refreshed), bulk jobs of ≤ 500 items over `--items` items (request_quota_job), run by the ai queue's real worker in a
 *    fresh Node (worker.ts) with a Lambda's environment; the provider keys' secrets hold `unset`: the offline engine.
 * 2. The OpenAI key's secret gets the sandbox's key; another fresh worker runs `--warmup` + `--calls` single-item
 *    ai_generate_tags jobs and one bulk job of `--calls` items through the OpenAI SDK against the sandbox. Overhead per
 *    item = its wall time − the sandbox's handling time of its call.
 * 3. The OpenAI adapter alone (as bench:ai-providers) in this process, same request shape, for comparison.
 *
 *   --items N          items bulk-tagged offline (default 10000)
 *   --corpus-items N   other creators' items in the corpus (default 40000)
 *   --calls N          measured provider jobs (default 200), --warmup N unmeasured first (default 20)
 *   --db-prepare B     the worker's DB_PREPARE (default false, as the CDK app sets it for every Lambda)
 *   DATABASE_URL       use this server (a role that may create roles and databases); a database is created and dropped
 */
import { fork } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import * as z from 'zod/mini';
import { quiet } from '../../db/bootstrap.ts';
import { openaiProvider } from '../../functions/ai/providers/openai.ts';
import { SuggestionOutput } from '../../functions/ai/suggestion.ts';
import { AI_SANDBOX_KEYS } from '../../local/sandboxes/ai/index.ts';
import { startBenchDatabase } from '../jobs/database.ts';
import { OVERHEAD_GOAL_MS, report, type ProviderItem, type Results } from './report.ts';
import { percentile, writeBenchResult, type BenchGoal } from '../summary-result.ts';
import { createBulkJobs, createCorpus, createSingleJobs, pickItems, startAiStage } from './stage.ts';
import type { WorkerReport } from './worker.ts';

const RESULTS_DIR = resolve(import.meta.dirname, '../results');
const WORKER = resolve(import.meta.dirname, 'worker.ts');

const { values: args } = parseArgs({ options: {
  items: { type: 'string', default: '10000' }, 'corpus-items': { type: 'string', default: '40000' },
  calls: { type: 'string', default: '200' }, warmup: { type: 'string', default: '20' }, 'db-prepare': { type: 'string', default: 'false' },
} });
const [ITEMS, CORPUS_ITEMS, CALLS, WARMUP] = [args.items, args['corpus-items'], args.calls, args.warmup].map(Number) as [number, number, number, number];
if (![ITEMS, CALLS].every((n) => Number.isInteger(n) && n > 1) || ![CORPUS_ITEMS, WARMUP].every((n) => Number.isInteger(n) && n >= 0)
  || WARMUP + 2 * CALLS > ITEMS || !['true', 'false'].includes(args['db-prepare'])) {
  throw new Error('bench:ai: --items and --calls take integers > 1, --corpus-items and --warmup integers ≥ 0, --items ≥ --warmup + 2 × --calls, ' +
    '--db-prepare true|false');
}
const log = (line: string) => process.stderr.write(`${line}\n`);

/** The worker in a fresh Node (tsx as its loader), as a Lambda container; its one IPC message is the report. */
function runWorker(environment: Record<string, string>, jobIds: string[]): Promise<WorkerReport> {
  return new Promise((done, fail) => {
    const child = fork(WORKER, { execArgv: ['--import', 'tsx'], env: { ...environment, BENCH_JOB_IDS: jobIds.join(',') }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    let answer: WorkerReport | undefined;
    child.on('message', (message) => { answer = message as WorkerReport; });
    child.on('error', fail);
    child.on('exit', (code) => (answer && code === 0 ? done(answer) : fail(new Error(`bench:ai: the worker exited with ${code} and no report`))));
  });
}

/** Every job completed, with the result `check` expects. */
async function assertCompleted(owner: postgres.Sql, jobIds: string[], check: (result: Record<string, unknown>) => boolean) {
  const rows = await owner`SELECT id, status, result, error_message FROM job_queue WHERE id = ANY(${jobIds}::uuid[])`;
  const bad = rows.filter((row) => row.status !== 'completed' || !check(row.result));
  if (rows.length !== jobIds.length || bad.length > 0) {
    throw new Error(`bench:ai: ${bad.length + jobIds.length - rows.length} of ${jobIds.length} jobs did not complete as expected ` +
      `(${bad.slice(0, 3).map((row) => `${row.status}: ${row.error_message ?? JSON.stringify(row.result)}`).join('; ')})`);
  }
}

/**
 * Each suggestion of the jobs in order, with the time since the previous suggestion of the same job (null for a job's
 * first): ai_suggestion.created_at is its insert transaction's start, so the difference is one whole item of a bulk
 * job — its progress commit, reads, engine or provider call, and writes — and the engine's call as ai_usage timed it.
 */
async function suggestionsOf(owner: postgres.Sql, jobIds: string[]) {
  return owner<{ job_id: string; gap_ms: number | null; latency_ms: number }[]>`
    SELECT s.job_id, (extract(epoch FROM s.created_at - lag(s.created_at) OVER (PARTITION BY s.job_id ORDER BY s.created_at)) * 1000)::float8 AS gap_ms,
           u.latency_ms
    FROM ai_suggestion s JOIN ai_usage u ON u.suggestion_id = s.id
    WHERE s.job_id = ANY(${jobIds}::uuid[])
    ORDER BY array_position(${jobIds}::uuid[], s.job_id), s.created_at`;
}

/** The overhead goal on both provider paths, and the offline rate (no goal), for the summary (`npm run bench`). */
function summaryGoals(r: Results): BenchGoal[] {
  const overhead = (name: string, items: ProviderItem[]) => {
    const p95 = percentile(items.map((item) => item.wallMs - item.handlingMs), 95);
    return { name: `StreamVibe's overhead on a provider call, p95: ${name}`, goal: `≤ ${OVERHEAD_GOAL_MS} ms`, measured: `${p95.toFixed(2)} ms`, met: p95 <= OVERHEAD_GOAL_MS };
  };
  return [
    overhead('single-item job', r.singles),
    overhead('one item of a bulk job', r.bulkItems),
    { name: `bulk tagging with the offline engine, ${r.items.toLocaleString('en-US')} items`, goal: '—',
      measured: `${Math.round(r.items / (r.offline.totalMs / 1000)).toLocaleString('en-US')} items/s`, met: null },
  ];
}

const database = await startBenchDatabase(process.env.DATABASE_URL, 'ai');
const stage = await startAiStage();
const db = { app: postgres(database.appUrl, { max: 2, ...quiet }), owner: postgres(database.ownerUrl, { max: 1, ...quiet }) };
const workerEnvironment = { ...stage.lambdaEnvironment, DATABASE_URL: database.appUrl, DB_POOL_MAX: '1', DB_PREPARE: args['db-prepare'],
  POWERTOOLS_LOG_LEVEL: 'WARN', AWS_LAMBDA_FUNCTION_NAME: 'sv-bench-ai-worker', PATH: process.env.PATH ?? '' };
try {
  const load = [loadavg()[0]!];
  log(`corpus: ${ITEMS.toLocaleString('en-US')} items of the bench creator + ${CORPUS_ITEMS.toLocaleString('en-US')} of 300 others`);
  const userId = await createCorpus(db.app, db.owner, ITEMS, CORPUS_ITEMS, log);
  const [{ words }] = await db.owner<[{ words: number }]>`SELECT count(*)::int AS words FROM search.lexicon`;
  const [{ trends }] = await db.owner<[{ trends: number }]>`SELECT count(*)::int AS trends FROM trending_keyword`;
  const items = await pickItems(db.app, userId, ITEMS);

  // 1. Offline bulk tagging.
  const bulkJobs = await createBulkJobs(db.app, userId, items);
  log(`offline: ${bulkJobs.length} bulk jobs, ${ITEMS.toLocaleString('en-US')} items…`);
  const offline = await runWorker(workerEnvironment, bulkJobs);
  await assertCompleted(db.owner, bulkJobs, (result) => result.skipped === 0);
  const offlineItems = await suggestionsOf(db.owner, bulkJobs);
  if (offlineItems.length !== ITEMS) throw new Error(`bench:ai: ${offlineItems.length} offline suggestions for ${ITEMS} items`);
  const [{ with_trends: withTrends }] = await db.owner<[{ with_trends: number }]>`
    SELECT avg((cardinality(trending_keywords) > 0)::int)::float8 AS with_trends FROM ai_suggestion WHERE job_id = ANY(${bulkJobs}::uuid[])`;
  log(`offline: ${(offline.totalMs / 1000).toFixed(1)} s, ${(ITEMS / (offline.totalMs / 1000)).toFixed(0)} items/s`);

  // 2. Through the OpenAI SDK against the sandbox, after the owner vacuums what phase 1 wrote (else autovacuum may start mid-phase).
  await db.owner`VACUUM (ANALYZE)`;
  await stage.enableOpenai();
  const warm = await createSingleJobs(db.app, userId, items.slice(0, WARMUP));
  const singles = await createSingleJobs(db.app, userId, items.slice(WARMUP, WARMUP + CALLS));
  const [bulk] = await createBulkJobs(db.app, userId, items.slice(WARMUP + CALLS, WARMUP + 2 * CALLS));
  const handledBefore = stage.sandbox.handlingMs().length;
  log(`provider: ${WARMUP} warm-up + ${CALLS} single-item jobs, then one bulk job of ${CALLS} items, through the OpenAI SDK…`);
  const provider = await runWorker(workerEnvironment, [...warm, ...singles, bulk!]);
  const handling = stage.sandbox.handlingMs().slice(handledBefore);
  await assertCompleted(db.owner, [...warm, ...singles], (result) => result.engine === 'gpt-4o-mini');
  await assertCompleted(db.owner, [bulk!], (result) => result.suggested === CALLS);
  if (handling.length !== WARMUP + 2 * CALLS) throw new Error(`bench:ai: the sandbox answered ${handling.length} calls for ${WARMUP + 2 * CALLS} items (retries?)`);
  const singleUsage = await suggestionsOf(db.owner, singles);
  const bulkItems = await suggestionsOf(db.owner, [bulk!]);
  const bulkFetches = provider.jobs.at(-1)!.fetchMs;

  // 3. The adapter alone, in this process (as bench:ai-providers), with the suggestion's schema.
  const adapter = openaiProvider({ apiKey: AI_SANDBOX_KEYS.openai, baseUrl: stage.sandbox.baseUrls.openai });
  const request = { model: 'gpt-4o-mini', system: 'You help a creator get their YouTube video found.', schemaName: 'content_suggestion',
    prompt: JSON.stringify({ title: 'Street food tour in Bangkok', description: 'We eat pad thai, mango sticky rice and boat noodles across night markets.' }),
    schema: z.toJSONSchema(SuggestionOutput()) as Record<string, unknown>, maxOutputTokens: 2048, temperature: 0.4 };
  for (let i = 0; i < WARMUP; i += 1) await adapter.generate(request);
  const adapterOverheadMs: number[] = [];
  for (let i = 0; i < CALLS; i += 1) {
    const before = stage.sandbox.handlingMs().length;
    const started = performance.now();
    await adapter.generate(request);
    adapterOverheadMs.push(performance.now() - started - stage.sandbox.handlingMs().slice(before).reduce((a, b) => a + b, 0));
  }
  load.push(loadavg()[0]!);

  const results: Results = {
    items: ITEMS, corpusItems: CORPUS_ITEMS, lexiconWords: words, trendingKeywords: trends, withTrends, bulkJobs: bulkJobs.length, offline,
    offlineGapsMs: offlineItems.flatMap((s) => (s.gap_ms === null ? [] : [s.gap_ms])), offlineEngineMs: offlineItems.map((s) => s.latency_ms),
    calls: CALLS, warmup: WARMUP, provider,
    singles: provider.jobs.slice(WARMUP, WARMUP + CALLS).map((job, i) => ({
      wallMs: job.handlerMs, handlingMs: handling[WARMUP + i]!, fetchMs: job.fetchMs[0]!, adapterMs: singleUsage[i]!.latency_ms })),
    bulkItems: bulkItems.flatMap((s, k) => (s.gap_ms === null ? [] : [{
      wallMs: s.gap_ms, handlingMs: handling[WARMUP + CALLS + k]!, fetchMs: bulkFetches[k]!, adapterMs: s.latency_ms }])),
    adapterOverheadMs,
  };
  const date = new Date().toISOString().slice(0, 10);
  const context = `bench:ai, ${date}: ${database.description}; ${cpus().length} cores; Node ${process.version}; load average ` +
    `${load.map((l) => l.toFixed(2)).join(' → ')}${Math.max(...load) > cpus().length ? ' (busy machine: latencies inflated)' : ''}; ` +
    `worker: a fresh Node per phase, DB_PREPARE=${args['db-prepare']}, one connection`;
  const text = report(results, context);
  console.log(text);
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = resolve(RESULTS_DIR, `ai-${date}${args['db-prepare'] === 'true' ? '-prepared' : ''}.md`);
  await writeFile(file, `# ${text.split('\n')[0]}\n\n\`npm run bench:ai -- --items ${ITEMS} --corpus-items ${CORPUS_ITEMS} --calls ${CALLS} ` +
    `--warmup ${WARMUP} --db-prepare ${args['db-prepare']}\`\n\n` +
    `${text.split('\n').slice(2).join('\n')}\n`);
  log(`saved ${file} and ${await writeBenchResult('ai', summaryGoals(results))}`);
} finally {
  await Promise.all([db.app.end(), db.owner.end()]);
  await stage.stop();
  await database.stop();
}
