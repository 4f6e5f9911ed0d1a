/**
 * The graphile-worker baseline (bench-only devDependency): the same number of jobs, added one at a time by the same
 * number of concurrent loops, then drained by graphile-worker's runner at concurrency `workers` with its defaults
 * (per-job get_job and complete_job, no local queue, no batched completes), against its own schema in the same
 * database, as the owner.
 */
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { Logger, makeWorkerUtils, run, type WorkerEvents } from 'graphile-worker';
import type { Sql } from 'postgres';
import { cpuPct, describe, log, runLoops, type Limits, type Measurement } from './measure.ts';

const TASK = 'bench_noop';
const COMPLETION_POLL_MS = 5;
const COMPLETION_WAIT_MS = 5_000;
const silent = new Logger(() => () => {});

export interface GraphileRound {
  version: string;
  create: Measurement;
  drain: Measurement;
  leftover: number;
}

/** Installs graphile-worker's schema (its own migrations) in the bench database. */
export async function installGraphileWorker(ownerUrl: string): Promise<void> {
  const utils = await makeWorkerUtils({ connectionString: ownerUrl, logger: silent });
  try {
    await utils.migrate();
  } finally {
    await utils.release();
  }
}

/** `jobs` addJob calls on `workers` loops, then graphile-worker's runner (concurrency `workers`) until every job succeeded. */
export async function graphileRound(
  ownerUrl: string, owner: Sql, jobs: number, workers: number, maxMs: number, phase?: (label: string, jobs: number) => Promise<void>,
): Promise<GraphileRound> {
  const entry = createRequire(import.meta.url).resolve('graphile-worker'); // <package>/dist/index.js; package.json is not exported
  const { version } = JSON.parse(await readFile(resolve(dirname(entry), '../package.json'), 'utf8')) as { version: string };
  const limits: Limits = { maxOps: jobs, maxMs };
  const utils = await makeWorkerUtils({ connectionString: ownerUrl, logger: silent, maxPoolSize: workers });
  let create: Measurement;
  let next = 0;
  try {
    log(`graphile-worker ${version}: adding ${jobs} jobs one at a time on ${workers} loops …`);
    create = await runLoops('graphile-worker add', workers, limits, async () => {
      if (next >= jobs) return false;
      await utils.addJob(TASK, { n: next++ });
      return true;
    });
  } finally {
    await utils.release();
  }
  await phase?.('create', create.ops);
  await owner.unsafe('VACUUM (ANALYZE) graphile_worker._private_jobs');

  // The drain is timed from the runner's start to the last job's completion. Per-job latencies are not comparable with
  // the other rows (graphile-worker reports a task's own start → success, not the claim and complete), so none are given.
  const events: WorkerEvents = new EventEmitter();
  let done = 0;
  let allDone!: () => void;
  const finished = new Promise<void>((resolve) => { allDone = resolve; });
  events.on('job:success', () => {
    done += 1;
    if (done >= create.ops) allDone();
  });
  log(`graphile-worker ${version}: draining with concurrency ${workers} (defaults otherwise) …`);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const runner = await run({
    connectionString: ownerUrl, concurrency: workers, noHandleSignals: true, logger: silent, events,
    taskList: { [TASK]: async () => {} },
  });
  const progress = setInterval(() => log(`  graphile-worker drain: ${done}/${create.ops}`), 2000);
  const timedOut = await Promise.race([finished.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), maxMs).unref())]);
  clearInterval(progress);
  // job:success comes before the job's row is deleted (its completion): the drain ends when the last one committed.
  let drainedAt = performance.now();
  for (let waited = 0; !timedOut && waited < COMPLETION_WAIT_MS; waited += COMPLETION_POLL_MS) {
    const [left] = await owner<{ n: number }[]>`SELECT count(*)::int AS n FROM graphile_worker._private_jobs`;
    drainedAt = performance.now();
    if (left!.n === 0) break;
    await new Promise((resolve) => setTimeout(resolve, COMPLETION_POLL_MS));
  }
  const seconds = ((timedOut ? performance.now() : drainedAt) - t0) / 1000;
  const drain: Measurement = {
    label: 'graphile-worker drain', workers, ops: done, seconds, perSecond: done / seconds,
    p50Ms: Number.NaN, p95Ms: Number.NaN, p99Ms: Number.NaN, maxMs: Number.NaN, errors: 0, timedOut,
    nodeCpuPct: cpuPct(cpu0, seconds), load1: loadavg()[0]!,
  };
  log(`  graphile-worker drain: ${describe(drain)}`);
  await runner.stop();
  await phase?.('drain', done);
  const [row] = await owner<{ n: number }[]>`SELECT count(*)::int AS n FROM graphile_worker._private_jobs`;
  return { version, create, drain, leftover: row!.n };
}
