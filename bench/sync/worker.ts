/**
 * The measured process of `npm run bench:sync`: a fresh Node, as a Lambda container is, that runs the sync queue's
 * real worker (functions/sync/worker-sync.ts: claim with start_job, the sync executor, complete_job) on one SQS-shaped
 * message, with the environment a Lambda gets. The parent (run.ts) created the job, and runs the platform sandbox,
 * the Secrets Manager endpoint and PostgreSQL, so none of their memory is counted here.
 *
 * It samples RSS and the V8 heap every SAMPLE_INTERVAL_MS, times the provider calls (global fetch, body included), and
 * sends the parent one WorkerReport over IPC.
 */
import type { Context, SQSEvent } from 'aws-lambda';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { timeFetches } from '../timed-fetch.ts';

const SAMPLE_INTERVAL_MS = 20;
/** What the Lambda has left: far more than a 50,000-item sync needs, so the executor never defers. */
const REMAINING_MS = 60 * 60_000;

export interface WorkerReport {
  jobId: string;
  /** Wall clock of the handler call: claim, every page, the totals, complete_job. */
  syncMs: number;
  /** Time inside provider calls (request, answer and body), and how many. */
  fetchMs: number;
  fetches: number;
  batchItemFailures: number;
  /** After the imports and the cold-start reads, before the job: the floor every Lambda pays. */
  rssAtStartBytes: number;
  heapUsedAtStartBytes: number;
  /** Highest sampled values during the job, and the kernel's peak resident set for the whole process. */
  peakRssBytes: number;
  peakHeapUsedBytes: number;
  peakHeapTotalBytes: number;
  maxRssBytes: number;
  /** The most heap in use right after one of V8's own full collections (the live set then), and how many it ran. */
  liveHeapAfterFullGcBytes: number;
  fullCollections: number;
}

const jobId = process.env.BENCH_JOB_ID;
if (!jobId || !process.send) throw new Error('bench/sync/worker.ts runs as a child of bench/sync/run.ts (BENCH_JOB_ID, IPC)');

const fetches = timeFetches();

// The Lambda's module scope: db client, env checks (a cold start).
const { handler } = await import('../../functions/sync/worker-sync.ts');
const { closeDb } = await import('../../functions/_shared/db.ts');

const peak = { rss: 0, heapUsed: 0, heapTotal: 0 };
const sample = () => {
  const heap = getHeapStatistics();
  peak.rss = Math.max(peak.rss, process.memoryUsage.rss());
  peak.heapUsed = Math.max(peak.heapUsed, heap.used_heap_size);
  peak.heapTotal = Math.max(peak.heapTotal, heap.total_heap_size);
};
const atStart = { rss: process.memoryUsage.rss(), heapUsed: getHeapStatistics().used_heap_size };
const sampler = setInterval(sample, SAMPLE_INTERVAL_MS);
// What survives: the heap right after each full (mark-sweep) collection V8 chose to run, never forced.
const live = { max: 0, collections: 0 };
const collections = new PerformanceObserver((list) => {
  if (!list.getEntries().some((entry) => (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)) return;
  live.collections += 1;
  live.max = Math.max(live.max, getHeapStatistics().used_heap_size);
});
collections.observe({ entryTypes: ['gc'] });

const event = { Records: [{ messageId: `bench-${jobId}`, body: JSON.stringify({ job_id: jobId }) }] } as unknown as SQSEvent;
const context = {
  functionName: 'sv-bench-sync-worker', awsRequestId: `bench-${process.pid}`, getRemainingTimeInMillis: () => REMAINING_MS,
} as unknown as Context;
const started = performance.now();
const answer = await handler(event, context);
const syncMs = performance.now() - started;
clearInterval(sampler);
collections.disconnect();
sample();
await closeDb();

const report: WorkerReport = {
  jobId, syncMs, fetchMs: fetches.reduce((sum, ms) => sum + ms, 0), fetches: fetches.length, batchItemFailures: answer.batchItemFailures.length,
  rssAtStartBytes: atStart.rss, heapUsedAtStartBytes: atStart.heapUsed,
  peakRssBytes: peak.rss, peakHeapUsedBytes: peak.heapUsed, peakHeapTotalBytes: peak.heapTotal,
  maxRssBytes: process.resourceUsage().maxRSS * 1024, liveHeapAfterFullGcBytes: live.max, fullCollections: live.collections,
};
process.send(report, () => process.disconnect());
