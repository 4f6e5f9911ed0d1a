/**
 * The measured process of `npm run bench:ai`: a fresh Node, as a Lambda container is, that runs the ai queue's real
 * worker (functions/ai/worker-ai.ts: start_job, the executor, complete_job) on one SQS-shaped message per job, one
 * after the other (the ai worker's batch size is 1), with the environment a Lambda gets. The parent (run.ts) created the
 * jobs and runs the AI sandbox, the Secrets Manager endpoint and PostgreSQL, so none of their memory or CPU is counted
 * here.
 *
 * Per job it times the handler call and records each provider call (global fetch, which the OpenAI SDK uses; body
 * included). It samples RSS and the V8 heap every SAMPLE_INTERVAL_MS and sends the parent one WorkerReport over IPC.
 */
import type { Context, SQSEvent } from 'aws-lambda';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { timeFetches } from '../timed-fetch.ts';

const SAMPLE_INTERVAL_MS = 20;
/** What the Lambda has left: far more than any job here needs, so nothing defers. */
const REMAINING_MS = 60 * 60_000;

export interface JobTiming {
  jobId: string;
  /** Wall clock of the handler call: claim, the executor, complete_job. */
  handlerMs: number;
  /** Each provider call of the job, in order: fetch until the body is read. */
  fetchMs: number[];
}

export interface WorkerReport {
  jobs: JobTiming[];
  batchItemFailures: number;
  /** Wall clock of all handler calls, and the process's CPU time (user + system) over them. */
  totalMs: number;
  cpuMs: number;
  rssAtStartBytes: number;
  peakRssBytes: number;
  peakHeapUsedBytes: number;
  maxRssBytes: number;
  /** The most heap in use right after one of V8's own full collections (the live set then), and how many it ran. */
  liveHeapAfterFullGcBytes: number;
  fullCollections: number;
}

const jobIds = (process.env.BENCH_JOB_IDS ?? '').split(',').filter(Boolean);
if (jobIds.length === 0 || !process.send) throw new Error('bench/ai/worker.ts runs as a child of bench/ai/run.ts (BENCH_JOB_IDS, IPC)');

const fetches = timeFetches();

// The Lambda's module scope: db client, env checks (a cold start).
const { handler } = await import('../../functions/ai/worker-ai.ts');
const { closeDb } = await import('../../functions/_shared/db.ts');

const peak = { rss: 0, heapUsed: 0 };
const sample = () => {
  peak.rss = Math.max(peak.rss, process.memoryUsage.rss());
  peak.heapUsed = Math.max(peak.heapUsed, getHeapStatistics().used_heap_size);
};
const rssAtStart = process.memoryUsage.rss();
const sampler = setInterval(sample, SAMPLE_INTERVAL_MS);
const live = { max: 0, collections: 0 };
const collections = new PerformanceObserver((list) => {
  if (!list.getEntries().some((entry) => (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) return;
  live.collections += 1;
  live.max = Math.max(live.max, getHeapStatistics().used_heap_size);
});
collections.observe({ entryTypes: ['gc'] });

const context = {
  functionName: 'sv-bench-ai-worker', awsRequestId: `bench-${process.pid}`, getRemainingTimeInMillis: () => REMAINING_MS,
} as unknown as Context;
const jobs: JobTiming[] = [];
let batchItemFailures = 0;
const cpuBefore = process.cpuUsage();
const startedAll = performance.now();
for (const jobId of jobIds) {
  const event = { Records: [{ messageId: `bench-${jobId}`, body: JSON.stringify({ job_id: jobId }) }] } as unknown as SQSEvent;
  fetches.length = 0;
  const started = performance.now();
  const answer = await handler(event, context);
  jobs.push({ jobId, handlerMs: performance.now() - started, fetchMs: [...fetches] });
  batchItemFailures += answer.batchItemFailures.length;
}
const totalMs = performance.now() - startedAll;
const cpu = process.cpuUsage(cpuBefore);
clearInterval(sampler);
collections.disconnect();
sample();
await closeDb();

const report: WorkerReport = {
  jobs, batchItemFailures, totalMs, cpuMs: (cpu.user + cpu.system) / 1000,
  rssAtStartBytes: rssAtStart, peakRssBytes: peak.rss, peakHeapUsedBytes: peak.heapUsed, maxRssBytes: process.resourceUsage().maxRSS * 1024,
  liveHeapAfterFullGcBytes: live.max, fullCollections: live.collections,
};
process.send(report, () => process.disconnect());
