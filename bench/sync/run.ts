/**
 * `npm run bench:sync` (issue 12, point 10): a YouTube channel synced through the sync worker (sandbox → PostgreSQL)
 * next to COPY of the same rows into the same indexed tables, in the same run. Prints a table and saves it to
 * bench/results/sync-<date>.md.
 *
 * For each size and repeat: a premium creator connects the sandbox channel of that size (login `items-<N>`; repeats
 * use `items-0<N>`, `items-00<N>`, … — the same size, a different channel), a full sync job is created with
 * request_sync, and a fresh Node process runs the sync queue's real worker on it (worker.ts: measured wall clock,
 * provider time, peak RSS and heap). The parent holds the sandbox, the Secrets Manager endpoint and PostgreSQL, so
 * their memory stays out of the worker's numbers. Then the rows the sync wrote are read back and COPYed into another
 * account (copy.ts), timed from BEGIN to COMMIT.
 *
 *   --items 5000,50000   channel sizes (default)
 *   --repeat N           runs per size (default 2)
 *   --db-prepare B       the worker's DB_PREPARE (default false, as the CDK app sets it for every Lambda)
 *   DATABASE_URL         use this server (needs a role that may create roles and databases and bypasses RLS, for
 *                        COPY); a database sv_bench_sync_<random> is created there and dropped afterwards
 */
import { fork } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { quiet } from '../../db/bootstrap.ts';
import { startBenchDatabase } from '../jobs/database.ts';
import { copyRows, createCopyAccount, readSyncedRows } from './copy.ts';
import { connectYoutube, createCreator, createSyncJob, startSyncStage, type SyncStage } from './stage.ts';
import type { WorkerReport } from './worker.ts';
import { writeBenchResult, type BenchGoal } from '../summary-result.ts';

const RESULTS_DIR = resolve(import.meta.dirname, '../results');
const WORKER = resolve(import.meta.dirname, 'worker.ts');
const YOUTUBE_PAGE = 50;
const GOALS = { ratio: 0.7, quota: 1.1 };

const { values: args } = parseArgs({
  options: { items: { type: 'string', default: '5000,50000' }, repeat: { type: 'string', default: '2' }, 'db-prepare': { type: 'string', default: 'false' } },
});
const sizes = args.items.split(',').map(Number);
const repeats = Number(args.repeat);
if (![...sizes, repeats].every((n) => Number.isInteger(n) && n > 0) || !['true', 'false'].includes(args['db-prepare'])) {
  throw new Error('bench:sync: --items takes positive integers (5000,50000), --repeat a positive integer, --db-prepare true|false');
}
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Run {
  items: number;
  repeat: number;
  worker: WorkerReport;
  pages: number;
  jobQuotaUnits: number;
  sandboxQuotaUnits: number;
  apiCalls: Record<string, number>;
  copyMs: number;
  tags: number;
}

/** The worker in a fresh Node (tsx as its loader), as a Lambda container; its one IPC message is the report. */
function runWorker(environment: Record<string, string>, jobId: string): Promise<WorkerReport> {
  return new Promise((done, fail) => {
    const child = fork(WORKER, { execArgv: ['--import', 'tsx'], env: { ...environment, BENCH_JOB_ID: jobId }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    let report: WorkerReport | undefined;
    child.on('message', (message) => { report = message as WorkerReport; });
    child.on('error', fail);
    child.on('exit', (code) => (report && code === 0 ? done(report) : fail(new Error(`bench:sync: the worker exited with ${code} and no report`))));
  });
}

async function measure(stage: SyncStage, db: { app: postgres.Sql; owner: postgres.Sql; superuser: postgres.Sql }, appUrl: string,
  items: number, repeat: number): Promise<Run> {
  const userId = await createCreator(db.app, db.owner);
  const socialAccountId = await connectYoutube(db.app, userId, `items-${'0'.repeat(repeat)}${items}`);
  const jobId = await createSyncJob(db.app, userId, socialAccountId);
  const unitsBefore = stage.quotaUnitsUsed();
  const callsBefore = stage.sandbox.calls({ host: 'www.googleapis.com' }).length;

  const worker = await runWorker({ ...stage.lambdaEnvironment, DATABASE_URL: appUrl, DB_POOL_MAX: '1', DB_PREPARE: args['db-prepare'],
    POWERTOOLS_LOG_LEVEL: 'WARN', AWS_LAMBDA_FUNCTION_NAME: 'sv-bench-sync-worker', PATH: process.env.PATH ?? '' }, jobId);

  const apiCalls: Record<string, number> = {};
  for (const call of stage.sandbox.calls({ host: 'www.googleapis.com' }).slice(callsBefore)) {
    const name = call.path.split('/').at(-1)!;
    apiCalls[name] = (apiCalls[name] ?? 0) + 1;
  }
  const [job] = await db.owner`SELECT status, result, error_message FROM job_queue WHERE id = ${jobId}`;
  if (job?.status !== 'completed' || job.result.items !== items) {
    throw new Error(`bench:sync: the ${items}-item sync ended ${job?.status} (${job?.error_message ?? JSON.stringify(job?.result)})`);
  }
  const rows = await readSyncedRows(db.superuser, socialAccountId);
  const copyUserId = await createCreator(db.app, db.owner);
  const copyAccount = await createCopyAccount(db.app, copyUserId);
  const copyMs = await copyRows(db.superuser, rows, { ...copyAccount, userId: copyUserId });
  const [copied] = await db.superuser`SELECT count(*)::int AS n FROM content_item WHERE social_account_id = ${copyAccount.socialAccountId}`;
  if (copied!.n !== items) throw new Error(`bench:sync: COPY loaded ${copied!.n} of ${items} items`);
  return {
    items, repeat, worker, pages: job.result.pages, jobQuotaUnits: job.result.quota_units, sandboxQuotaUnits: stage.quotaUnitsUsed() - unitsBefore,
    apiCalls, copyMs, tags: rows.tags.length,
  };
}

const mb = (bytes: number) => (bytes / 1_048_576).toFixed(0);
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return (sorted[Math.floor((sorted.length - 1) / 2)]! + sorted[Math.ceil((sorted.length - 1) / 2)]!) / 2;
};

const rowsPerSecond = (run: Run) => run.items / (run.worker.syncMs / 1000);
const copyPerSecond = (run: Run) => run.items / (run.copyMs / 1000);
/** The two goals of one size: median sync ÷ COPY rows/s, and the most quota units any run used over the minimum. */
const ratioOf = (of: Run[]) => median(of.map((run) => rowsPerSecond(run) / copyPerSecond(run)));
const quotaOf = (of: Run[]) => Math.max(...of.map((run) => run.sandboxQuotaUnits / (2 * Math.ceil(run.items / YOUTUBE_PAGE))));

/** The goals per size, for the summary (`npm run bench`). */
const summaryGoals = (runs: Run[]): BenchGoal[] => sizes.flatMap((items) => {
  const of = runs.filter((run) => run.items === items);
  const [ratio, quota] = [ratioOf(of), quotaOf(of)];
  return [
    { name: `sync ÷ COPY rows/s, ${int(items)} items (median of ${of.length})`, goal: `≥ ${GOALS.ratio}`, measured: ratio.toFixed(2), met: ratio >= GOALS.ratio },
    { name: `YouTube quota units ÷ minimum, ${int(items)} items`, goal: `≤ ${GOALS.quota}`, measured: quota.toFixed(3), met: quota <= GOALS.quota },
  ];
});

function report(runs: Run[], context: string): string {
  const lines = [
    context, '',
    '| items | run | sync s | sync rows/s | COPY s | COPY rows/s | ratio | provider time (overlaps the writes) | quota units (job / sandbox) | min 2/50 | ×min | ×(min+1) |',
    '|--:|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|--:|',
  ];
  for (const run of runs) {
    const minimum = 2 * Math.ceil(run.items / YOUTUBE_PAGE);
    lines.push(`| ${int(run.items)} | ${run.repeat + 1} | ${(run.worker.syncMs / 1000).toFixed(1)} | ${int(rowsPerSecond(run))} | ${(run.copyMs / 1000).toFixed(1)} | ` +
      `${int(copyPerSecond(run))} | ${(rowsPerSecond(run) / copyPerSecond(run)).toFixed(2)} | ${(100 * run.worker.fetchMs / run.worker.syncMs).toFixed(0)}% ` +
      `(${int(run.worker.fetches)} calls) | ${int(run.jobQuotaUnits)} / ${int(run.sandboxQuotaUnits)} | ` +
      `${int(minimum)} | ${(run.sandboxQuotaUnits / minimum).toFixed(3)} | ${(run.sandboxQuotaUnits / (minimum + 1)).toFixed(3)} |`);
  }
  lines.push('', '| items | runs | sync rows/s (median) | COPY rows/s (median) | ratio (median) | goal ≥ 0.7 | quota ×min | goal ≤ 1.1 | ' +
    'worker RSS at start MB | peak RSS MB (sampled / maxRSS) | peak heap used / total MB | live heap after V8\'s full GCs MB (max, GCs) |',
    '|--:|--:|--:|--:|--:|---|--:|---|--:|--:|--:|--:|');
  for (const items of sizes) {
    const of = runs.filter((run) => run.items === items);
    const [ratio, quota] = [ratioOf(of), quotaOf(of)];
    const most = (pick: (w: WorkerReport) => number) => mb(Math.max(...of.map((run) => pick(run.worker))));
    lines.push(`| ${int(items)} | ${of.length} | ${int(median(of.map(rowsPerSecond)))} | ${int(median(of.map(copyPerSecond)))} | ${ratio.toFixed(2)} | ` +
      `${ratio >= GOALS.ratio ? 'met' : 'missed'} | ${quota.toFixed(3)} | ${quota <= GOALS.quota ? 'met' : 'missed'} | ${most((w) => w.rssAtStartBytes)} | ` +
      `${most((w) => w.peakRssBytes)} / ${most((w) => w.maxRssBytes)} | ${most((w) => w.peakHeapUsedBytes)} / ${most((w) => w.peakHeapTotalBytes)} | ` +
      `${most((w) => w.liveHeapAfterFullGcBytes)} (${of.map((run) => run.worker.fullCollections).join(', ')}) |`);
  }
  const calls = runs.at(-1)!.apiCalls;
  lines.push('', `YouTube calls of the last run: ${Object.entries(calls).map(([name, n]) => `${name} ${int(n)}`).join(', ')} ` +
    `(${runs.at(-1)!.pages} pages; the sync's last step reads the channel's statistics once more for the account's totals).`);
  return lines.join('\n');
}

const database = await startBenchDatabase(process.env.DATABASE_URL, 'sync');
const stage = await startSyncStage();
const db = {
  app: postgres(database.appUrl, { max: 2, ...quiet }),
  owner: postgres(database.ownerUrl, { max: 1, ...quiet }),
  superuser: postgres(database.superuserUrl, { max: 1, ...quiet }),
};
try {
  const load = [loadavg()[0]!];
  const runs: Run[] = [];
  for (let repeat = 0; repeat < repeats; repeat += 1) {
    for (const items of sizes) {
      const run = await measure(stage, db, database.appUrl, items, repeat);
      runs.push(run);
      log(`${int(items)} items, run ${repeat + 1}: sync ${(run.worker.syncMs / 1000).toFixed(1)} s (provider ${(run.worker.fetchMs / 1000).toFixed(1)} s), ` +
        `COPY ${(run.copyMs / 1000).toFixed(1)} s, ${run.sandboxQuotaUnits} units, peak RSS ${mb(run.worker.peakRssBytes)} MB, heap ${mb(run.worker.peakHeapUsedBytes)} MB`);
    }
  }
  load.push(loadavg()[0]!);
  const date = new Date().toISOString().slice(0, 10);
  const context = `bench:sync, ${date}: ${database.description}; ${cpus().length} cores; load average ${load.map((l) => l.toFixed(2)).join(' → ')}` +
    `${Math.max(...load) > cpus().length ? ' (busy machine: compare ratios, not absolute rates)' : ''}; worker DB_PREPARE=${args['db-prepare']}, one connection`;
  const text = report(runs, context);
  console.log(text);
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = resolve(RESULTS_DIR, `sync-${date}.md`);
  await writeFile(file, `# ${text.split('\n')[0]}\n\n\`npm run bench:sync -- --items ${args.items} --repeat ${repeats}\`\n\n${text.split('\n').slice(2).join('\n')}\n`);
  log(`saved ${file} and ${await writeBenchResult('sync', summaryGoals(runs))}`);
} finally {
  await Promise.all([db.app.end(), db.owner.end(), db.superuser.end()]);
  await stage.stop();
  await database.stop();
}
