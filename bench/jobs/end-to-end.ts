/**
 * End to end through the SQS emulator: startLocalStack (fauxqs, the manifest's queues, the poller feeding
 * worker-maintenance), jobs created with enqueueJob + the SQS dispatcher (what admin-run-job does), run by the
 * maintenance worker until completed. Latency is measured in the database: completed_at − created_at.
 */
import { loadavg } from 'node:os';
import type { Sql } from 'postgres';
import { asService } from '../../db/context.ts';
import { queueFunctions } from '../../functions/manifest.ts';
import type { startLocalStack } from '../../local/stack.ts';
import { startPoller } from '../../local/poller.ts';
import { cpuPct, fmtInt, fmtMs, fmtRate, log, percentile, runLoops } from './measure.ts';

type Stack = Awaited<ReturnType<typeof startLocalStack>>;

export const E2E_KIND = 'quota_reset';
/** What startLocalStack's poller runs per queue function (local/poller.ts default; startLocalStack passes none). */
export const STACK_POLLER_CONCURRENCY = 4;

export interface E2eRun {
  name: string;
  pollerConcurrency: number;
  jobs: number;
  /** Enqueue rate asked for (paced runs), or undefined for "as fast as 10 enqueuers go". */
  targetRate?: number;
  enqueuePerSecond: number;
  enqueueP50Ms: number;
  enqueueP95Ms: number;
  completed: number;
  notCompleted: Record<string, number>;
  /** Wall clock from the first enqueue to the last completion seen. */
  wallSeconds: number;
  /** Completed jobs / (last completed_at − first created_at), database clock. */
  perSecond: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  latencyP99Ms: number;
  /** created → started (queue wait incl. SQS) and started → completed (worker) medians / p95. */
  waitP50Ms: number;
  waitP95Ms: number;
  runP50Ms: number;
  runP95Ms: number;
  /** CPU of this Node process (enqueuers, emulator, poller, worker handlers) from first enqueue to done, % of one core. */
  nodeCpuPct: number;
  /** The machine's 1-minute load average at the end. */
  load1: number;
}

/** Raises the poller's concurrency on worker-maintenance from the stack's 4 to `total` by starting extra loops. */
export function addPollers(stack: Stack, extra: number, waitTimeSeconds: number) {
  const fns = queueFunctions().filter((f) => f.trigger.queue === 'maintenance');
  return startPoller(stack.queues, fns, { concurrency: extra, waitTimeSeconds });
}

/**
 * Enqueues `jobs` quota_reset user jobs (distinct params, each user below the cap), 10 enqueuers, optionally paced
 * to `targetRate`/s, then waits (bounded) until every one is completed or the time is up.
 */
export async function e2eRun(options: {
  name: string; app: Sql; enqueueSql: Sql; users: string[]; jobs: number; pollerConcurrency: number;
  targetRate?: number; maxMs: number; runTag: string;
}): Promise<E2eRun> {
  const { app, enqueueSql, users, jobs, runTag } = options;
  const { enqueueJob } = await import('../../functions/jobs/enqueue.ts');
  const { sqsJobDispatcher } = await import('../../functions/jobs/dispatcher.ts');
  const { queueUrls, sqsClient } = await import('../../functions/_shared/queues.ts');
  const dispatcher = sqsJobDispatcher(sqsClient, queueUrls());
  const ids: string[] = [];
  let next = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  log(`${options.name}: enqueueing ${jobs} ${E2E_KIND} jobs${options.targetRate ? ` at ${options.targetRate}/s` : ''} …`);
  const enqueue = await runLoops(`${options.name} enqueue`, 10, { maxOps: jobs, maxMs: options.maxMs }, async () => {
    const i = next++;
    if (i >= jobs) return false;
    if (options.targetRate) {
      const due = t0 + (i * 1000) / options.targetRate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const begin = performance.now();
    const result = await enqueueJob(enqueueSql, dispatcher, {
      userId: users[i % users.length]!, kind: E2E_KIND, params: { e2e: runTag, n: i },
    });
    if (!result.created) throw new Error(`enqueueJob returned an existing job for run ${runTag} #${i}`);
    ids.push(result.jobId);
    return performance.now() - begin;
  });

  // Wait for completion, bounded; progress every 2 s.
  let completed = 0;
  let lastPrint = 0;
  while (performance.now() - t0 < options.maxMs) {
    const [row] = await asService(app, (tx) => tx`
      SELECT count(*)::int AS n FROM job_queue WHERE id = ANY(${ids}::uuid[]) AND status = 'completed'`);
    completed = row!.n as number;
    if (completed >= ids.length) break;
    if (performance.now() - lastPrint > 2000) {
      lastPrint = performance.now();
      log(`  ${options.name}: ${fmtInt(completed)}/${fmtInt(ids.length)} completed after ${((lastPrint - t0) / 1000).toFixed(1)} s`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const wallSeconds = (performance.now() - t0) / 1000;
  const nodeCpuPct = cpuPct(cpu0, wallSeconds);

  const rows = await asService(app, (tx) => tx<{ status: string; created: number; started: number | null; completed: number | null }[]>`
    SELECT status::text, extract(epoch FROM created_at)::float8 * 1000 AS created,
           extract(epoch FROM started_at)::float8 * 1000 AS started, extract(epoch FROM completed_at)::float8 * 1000 AS completed
    FROM job_queue WHERE id = ANY(${ids}::uuid[])`);
  const done = rows.filter((r) => r.status === 'completed');
  const notCompleted: Record<string, number> = {};
  for (const r of rows) if (r.status !== 'completed') notCompleted[r.status] = (notCompleted[r.status] ?? 0) + 1;
  const sorted = (values: number[]) => values.sort((a, b) => a - b);
  const latency = sorted(done.map((r) => r.completed! - r.created));
  const wait = sorted(done.map((r) => r.started! - r.created));
  const run = sorted(done.map((r) => r.completed! - r.started!));
  const span = done.length ? Math.max(...done.map((r) => r.completed!)) - Math.min(...rows.map((r) => r.created)) : Number.NaN;
  const result: E2eRun = {
    name: options.name, pollerConcurrency: options.pollerConcurrency, jobs: ids.length, targetRate: options.targetRate,
    enqueuePerSecond: enqueue.perSecond, enqueueP50Ms: enqueue.p50Ms, enqueueP95Ms: enqueue.p95Ms,
    completed: done.length, notCompleted, wallSeconds, perSecond: (done.length / span) * 1000,
    latencyP50Ms: percentile(latency, 50), latencyP95Ms: percentile(latency, 95), latencyP99Ms: percentile(latency, 99),
    waitP50Ms: percentile(wait, 50), waitP95Ms: percentile(wait, 95), runP50Ms: percentile(run, 50), runP95Ms: percentile(run, 95),
    nodeCpuPct, load1: loadavg()[0]!,
  };
  log(`  ${options.name}: ${fmtInt(result.completed)}/${fmtInt(result.jobs)} completed, ${fmtRate(result.perSecond)} jobs/s end to end; ` +
    `created→completed p50 ${fmtMs(result.latencyP50Ms)} ms / p95 ${fmtMs(result.latencyP95Ms)} ms` +
    `${Object.keys(notCompleted).length ? `; NOT completed: ${JSON.stringify(notCompleted)}` : ''}; node CPU ${nodeCpuPct.toFixed(0)}% of a core`);
  return result;
}
