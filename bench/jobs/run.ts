/**
 * `npm run bench:jobs`: job-system throughput on a throwaway database. Prints the tables and saves them to
 * bench/results/jobs-<date>.md.
 *
 *   1. DB-side lifecycle through StreamVibe's functions (service_role on the app role, durable commits): 20,000 jobs
 *      created (create_job, then enqueueJob), drained by 10 workers (claim + start_job + complete_job; and by known
 *      id: start_job + update_job_progress + complete_job); then the same in batches, as functions/jobs/worker.ts
 *      does with an SQS batch (start_jobs + complete_jobs, one statement per batch each; by id with a progress
 *      report per job).
 *   2. The same cycles in plain SQL against a plain table of job_queue's shape (no triggers, RLS or functions), and
 *      graphile-worker (its own schema, concurrency = workers, defaults otherwise), in the same run; the overhead ratio.
 *      A profile of each path's database time per job; diagnostics (interleaved A/B pairs) decompose the gap.
 *   3. End to end through the SQS emulator: startLocalStack, enqueueJob with the SQS dispatcher, the maintenance
 *      worker fed by the local poller; jobs/s and created → completed latency.
 *
 *   --jobs N            DB-side jobs per round (default 20000)
 *   --workers N         concurrent workers / creators / connections for 1–2 (default 10)
 *   --e2e-jobs N        jobs per burst run in 3 (default 3000)
 *   --pollers 4,10      poller concurrency levels for 3 (the stack runs 4; higher levels add loops) (default 4,10)
 *   --paced-jobs N      jobs in the paced run of 3, at half the last burst's rate (default 1000; 0 skips it)
 *   --no-diagnose       skip the diagnostics: A/B pairs run in alternating chunks (functions vs plain, NOTIFY triggers on
 *                       vs off, create_job vs enqueueJob, autocommit vs asService transactions, minimal vs all indexes,
 *                       and NOTIFY on vs off end to end), robust to load from other processes
 *   --diag-jobs N       jobs per diagnostic chunk (default 2500; e2e chunks are --e2e-jobs / 4)
 *   --diag-reps N       chunks per variant (default 4)
 *   --batch N           jobs per claim in the batched rounds (start_jobs / complete_jobs; default 10, SQS's largest
 *                       batch; 0 skips them)
 *   --no-e2e            skip 3 (the DB-side rounds, profile and diagnostics only)
 *   --quick             2,000 DB-side jobs, 500 per e2e run, 200 paced, 500 per diagnostic chunk
 *   --phase-seconds S   time limit of each measured loop (default 300)
 *   --profile-jobs N    jobs per profiled round (default 5000; 0 skips): where each job's database time goes, per
 *                       statement (pg_stat_statements, nested ones included), function and trigger, wait event, HOT share
 *   DATABASE_URL        use this server (a role that may create roles and databases, as for npm test); a database
 *                       sv_bench_jobs_<random> is created there and dropped afterwards
 */
import { cpus, loadavg } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { quiet } from '../../db/bootstrap.ts';
import { startBenchDatabase } from './database.ts';
import { addPollers, e2eRun, STACK_POLLER_CONCURRENCY, type E2eRun } from './end-to-end.ts';
import {
  createPlainTables, createUsers, functionsByIdRound, functionsClaimRound, functionsCreateOnly, JOBS_PER_USER, loadKinds,
  notifyTriggers, plainByIdRound, plainClaimRound, withoutNotifyTriggers, type LifecycleContext, type Round,
} from './lifecycle.ts';
import { log } from './measure.ts';
import { paired, type Paired } from './paired.ts';
import { graphileRound, installGraphileWorker } from './graphile.ts';
import { profileJobPaths } from './profiled-rounds.ts';
import { buildReport } from './report.ts';
import { jobsGoals } from './goals.ts';
import { writeBenchResult } from '../summary-result.ts';

const RESULTS_DIR = resolve(import.meta.dirname, '../results');
const POLL_WAIT_SECONDS = 1;

const { values: args } = parseArgs({
  options: {
    jobs: { type: 'string' }, workers: { type: 'string', default: '10' }, 'e2e-jobs': { type: 'string' },
    pollers: { type: 'string', default: '4,10' }, 'paced-jobs': { type: 'string' }, 'no-diagnose': { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false }, 'phase-seconds': { type: 'string', default: '300' },
    'diag-jobs': { type: 'string' }, 'diag-reps': { type: 'string', default: '4' }, 'profile-jobs': { type: 'string' },
    'no-e2e': { type: 'boolean', default: false }, batch: { type: 'string', default: '10' },
  },
});
const jobs = Number(args.jobs ?? (args.quick ? 2_000 : 20_000));
const workers = Number(args.workers);
const e2eJobs = Number(args['e2e-jobs'] ?? (args.quick ? 500 : 3_000));
const pollerLevels = args.pollers.split(',').map(Number);
const pacedJobs = Number(args['paced-jobs'] ?? (args.quick ? 200 : 1_000));
const diagnose = !args['no-diagnose'];
const diagJobs = Number(args['diag-jobs'] ?? (args.quick ? 500 : 2_500));
const diagReps = Number(args['diag-reps']);
const maxMs = Number(args['phase-seconds']) * 1000;
const profileJobs = Number(args['profile-jobs'] ?? (args.quick ? 500 : 5_000));
const batch = Number(args.batch);
if (![profileJobs, batch].every((n) => Number.isInteger(n) && n >= 0)
  || ![jobs, workers, e2eJobs, maxMs, diagJobs, diagReps, ...pollerLevels].every((n) => Number.isInteger(n) && n > 0) || !(pacedJobs >= 0)
  || pollerLevels.some((n, i) => n < STACK_POLLER_CONCURRENCY || (i > 0 && n <= pollerLevels[i - 1]!))) {
  throw new Error('bench:jobs: --jobs, --workers, --e2e-jobs, --phase-seconds take positive integers, --batch and --profile-jobs ' +
    `non-negative ones; --pollers increasing levels >= ${STACK_POLLER_CONCURRENCY}`);
}
const users = Math.ceil(jobs / JOBS_PER_USER);

// Handlers read their configuration when first imported: the worker's pool size and quiet logs go in first.
const serverUrl = process.env.DATABASE_URL;
process.env.LOG_LEVEL ??= 'WARN';
const db = await startBenchDatabase(serverUrl, 'jobs', { preloadLibraries: ['pg_stat_statements'] });
process.env.DATABASE_URL = db.appUrl;
process.env.DB_POOL_MAX = '10';
const app = postgres(db.appUrl, { max: workers, ...quiet });
const owner = postgres(db.ownerUrl, { max: workers, ...quiet });
const enqueueSql = postgres(db.appUrl, { max: 10, ...quiet });
let stack: Awaited<ReturnType<typeof import('../../local/stack.ts').startLocalStack>> | undefined;
const extraPollers: { stop(): Promise<void> }[] = [];
let failed = false;
try {
  const startedAt = performance.now();
  const loadAtStart = loadavg()[0]!;
  log(`database: ${db.description}`);
  const [settings] = await owner<{ version: string; sc: string; fsync: string; sync_method: string; sb: string }[]>`
    SELECT current_setting('server_version') AS version, current_setting('synchronous_commit') AS sc, current_setting('fsync') AS fsync,
           current_setting('wal_sync_method') AS sync_method, current_setting('shared_buffers') AS sb`;
  log(`creating ${users} users as service_role …`);
  const userIds = await createUsers(app, users);
  const kinds = await loadKinds(owner);
  const notifying = await notifyTriggers(owner);
  log(`job_queue NOTIFY triggers: ${notifying.join(', ') || 'none'}`);
  await createPlainTables(owner);
  await installGraphileWorker(db.ownerUrl);
  const ctx: LifecycleContext = { app, owner, users: userIds, kinds, jobs, workers, maxMs };

  // 1–2: each round creates `jobs` jobs (≤ 8 per user) and drains them all before the next round starts.
  const rounds: Round[] = [];
  rounds.push(await functionsClaimRound(ctx, 'StreamVibe functions, claim', 'fa'));
  if (batch) rounds.push(await functionsClaimRound(ctx, `StreamVibe functions, claim in batches of ${batch}`, 'fc', batch));
  rounds.push(await plainClaimRound(ctx, 'plain SQL, claim', 'pa', 'bench_plain.job_queue'));
  const graphile = await graphileRound(db.ownerUrl, owner, jobs, workers, maxMs);
  rounds.push({
    name: `graphile-worker ${graphile.version}`, create: graphile.create, drain: graphile.drain, leftover: graphile.leftover,
    createHow: 'addJob(task, payload): one call per job (graphile_worker.add_job)',
    drainHow: `run({ concurrency: ${workers} }), defaults otherwise: per job get_job, the (empty) task, complete_job`,
  });
  rounds.push(await functionsByIdRound(ctx, 'StreamVibe functions, by id (enqueueJob → worker steps)', 'fb'));
  if (batch) rounds.push(await functionsByIdRound(ctx, `StreamVibe functions, by id in SQS batches of ${batch} (enqueueJob → worker.ts)`, 'fd', batch));
  rounds.push(await plainByIdRound(ctx, 'plain SQL, by id', 'pb', 'bench_plain.job_queue'));
  // Where each job's database time goes: the same paths on fresh clients, with statement and function tracking on.
  const profiles = profileJobs > 0
    ? await profileJobPaths({ urls: { superuser: db.superuserUrl, app: db.appUrl, owner: db.ownerUrl }, owner, ctx, jobs: profileJobs, batch })
    : [];
  // Diagnostics: A/B pairs in alternating chunks (robust to load from other processes), to find where the gap goes.
  const pairs: Paired[] = [];
  if (diagnose) {
    const d: LifecycleContext = { ...ctx, jobs: diagJobs };
    let n = 0;
    const tag = (prefix: string) => `${prefix}${(n += 1)}`;
    const both = (r: Round) => ({ create: r.create, drain: r.drain });
    pairs.push(await paired('StreamVibe functions vs plain SQL, claim cycle', 'plain SQL', 'functions', diagReps, diagJobs,
      async () => both(await plainClaimRound(d, 'plain', tag('qp'), 'bench_plain.job_queue')),
      async () => both(await functionsClaimRound(d, 'functions', tag('qf')))));
    pairs.push(await paired(`NOTIFY triggers (${notifying.join(', ') || 'none'}), functions claim cycle`, 'on', 'off', diagReps, diagJobs,
      async () => both(await functionsClaimRound(d, 'notify on', tag('qn'))),
      async () => both(await withoutNotifyTriggers(owner, () => functionsClaimRound(d, 'notify off', tag('qo'))))));
    pairs.push(await paired('creation path', 'create_job (1 tx)', 'enqueueJob (2 tx)', diagReps, diagJobs,
      async () => ({ create: await functionsCreateOnly(d, 'create_job', tag('qc'), 'create_job') }),
      async () => ({ create: await functionsCreateOnly(d, 'enqueueJob', tag('qe'), 'enqueueJob') })));
    pairs.push(await paired('transaction wrapping, plain claim cycle', 'autocommit', 'each statement in asService', diagReps, diagJobs,
      async () => both(await plainClaimRound(d, 'autocommit', tag('qa'), 'bench_plain.job_queue')),
      async () => both(await plainClaimRound(d, 'asService', tag('qt'), 'bench_plain.job_queue', 'service-tx'))));
    pairs.push(await paired('indexes, plain claim cycle', 'PK + claim index', 'all 11 of job_queue\'s', diagReps, diagJobs,
      async () => both(await plainClaimRound(d, 'minimal', tag('qm'), 'bench_plain.job_queue')),
      async () => both(await plainClaimRound(d, 'all indexes', tag('qi'), 'bench_plain.job_queue_all_indexes'))));
  }

  // 3: end to end through the emulator.
  const e2e: E2eRun[] = [];
  const e2eDiagnostics: E2eRun[] = [];
  if (!args['no-e2e']) {
    const { startLocalStack } = await import('../../local/stack.ts');
    stack = await startLocalStack({ databaseUrl: db.appUrl, port: 0, sqsPort: 0, schedules: 'manual', pollWaitSeconds: POLL_WAIT_SECONDS });
    let concurrency = STACK_POLLER_CONCURRENCY;
    for (const level of pollerLevels) {
      if (level > concurrency) {
        extraPollers.push(addPollers(stack, level - concurrency, POLL_WAIT_SECONDS));
        concurrency = level;
      }
      e2e.push(await e2eRun({
        name: `burst, poller ${level}`, app, enqueueSql, users: userIds, jobs: e2eJobs, pollerConcurrency: level, maxMs, runTag: `burst${level}`,
      }));
    }
    if (pacedJobs > 0) {
      const last = e2e.at(-1)!;
      const rate = Math.max(1, Math.round(last.perSecond / 2));
      e2e.push(await e2eRun({
        name: `paced at ${rate}/s, poller ${concurrency}`, app, enqueueSql, users: userIds, jobs: pacedJobs, pollerConcurrency: concurrency,
        targetRate: rate, maxMs, runTag: 'paced',
      }));
    }
    if (diagnose) {
      const chunk = Math.max(100, Math.round(e2eJobs / 4));
      let n = 0;
      const run = async (notify: boolean) => {
        n += 1;
        const r = await e2eRun({
          name: `notify ${notify ? 'on' : 'off'} #${n}`, app, enqueueSql, users: userIds, jobs: chunk, pollerConcurrency: concurrency, maxMs,
          runTag: `pair${n}`,
        });
        e2eDiagnostics.push(r);
        return { 'end-to-end': { perSecond: r.perSecond } };
      };
      pairs.push(await paired(`NOTIFY triggers, end to end (poller ${concurrency})`, 'on', 'off', diagReps, chunk,
        () => run(true), () => withoutNotifyTriggers(owner, () => run(false))));
    }
  }

  const report = buildReport({
    date: new Date().toISOString().slice(0, 10),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; 1-minute load average at start ${loadAtStart.toFixed(1)}`,
    cores: cpus().length,
    database: `${db.description}; PostgreSQL ${settings!.version}, synchronous_commit=${settings!.sc}, fsync=${settings!.fsync}, ` +
      `wal_sync_method=${settings!.sync_method}, shared_buffers=${settings!.sb}`,
    notifyTriggers: notifying, jobs, workers, users, jobsPerUser: JOBS_PER_USER, rounds, profiles, pairs, e2e, e2eDiagnostics, e2eJobs, pollWaitSeconds: POLL_WAIT_SECONDS,
    totalSeconds: (performance.now() - startedAt) / 1000,
  });
  console.log(report);
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = resolve(RESULTS_DIR, `jobs-${new Date().toISOString().slice(0, 10)}.md`);
  await writeFile(file, report);
  log(`saved ${file} and ${await writeBenchResult('jobs', jobsGoals(rounds, e2e))}`);
} catch (error) {
  failed = true;
  log(`bench:jobs failed: ${error instanceof Error ? error.stack : String(error)}`);
} finally {
  await Promise.all(extraPollers.map((p) => p.stop()));
  await stack?.stop();
  await (await import('../../functions/_shared/db.ts')).closeDb();
  await Promise.all([app.end({ timeout: 5 }), owner.end({ timeout: 5 }), enqueueSql.end({ timeout: 5 })]);
  await db.stop();
  // Everything is closed; should a handle linger anyway, the benchmark still ends by itself.
  setTimeout(() => process.exit(failed ? 1 : 0), 5000).unref();
  process.exitCode = failed ? 1 : 0;
}
