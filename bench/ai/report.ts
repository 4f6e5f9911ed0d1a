/** The tables of `npm run bench:ai` (run.ts measures). */
import type { WorkerReport } from './worker.ts';

/** StreamVibe's share of one provider call at p95 (issue 13, point 10). */
export const OVERHEAD_GOAL_MS = 10;

/** One item through a provider: its wall time, the sandbox's handling of its call, the fetch, and the call as the adapter timed it (ai_usage.latency_ms, whole ms). */
export interface ProviderItem {
  wallMs: number;
  handlingMs: number;
  fetchMs: number;
  adapterMs: number;
}

export interface Results {
  items: number;
  corpusItems: number;
  lexiconWords: number;
  trendingKeywords: number;
  /** Share of the offline suggestions that use at least one trending keyword. */
  withTrends: number;
  bulkJobs: number;
  offline: WorkerReport;
  /** Time between consecutive suggestions of a bulk job (a job's first item has none). */
  offlineGapsMs: number[];
  /** ai_usage.latency_ms of each offline suggestion: the engine alone (its reads are done before), whole ms. */
  offlineEngineMs: number[];
  calls: number;
  warmup: number;
  provider: WorkerReport;
  /** Single-item ai_generate_tags jobs: wall = the handler call (claim … complete_job). */
  singles: ProviderItem[];
  /** Items of the bulk job: wall = the time since the previous item's suggestion. */
  bulkItems: ProviderItem[];
  /** The OpenAI adapter alone in the parent: call − handling. */
  adapterOverheadMs: number[];
}

const percentile = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(2));
const p50p95 = (values: readonly number[]) => `${ms(percentile(values, 50))} / ${ms(percentile(values, 95))}`;
const p50p95p99 = (values: readonly number[]) => `${p50p95(values)} / ${ms(percentile(values, 99))}`;
const mb = (bytes: number) => (bytes / 1_048_576).toFixed(0);
const int = (n: number) => Math.round(n).toLocaleString('en-US');

function providerRow(label: string, rows: readonly ProviderItem[]): string {
  const overhead = rows.map((r) => r.wallMs - r.handlingMs);
  const p95 = percentile(overhead, 95);
  return `| ${label} | ${rows.length} | ${p50p95(rows.map((r) => r.wallMs))} | ${p50p95(rows.map((r) => r.handlingMs))} | ` +
    `**${p50p95(overhead)}** | ${p95 <= OVERHEAD_GOAL_MS ? 'met' : 'missed'} | ${p50p95(rows.map((r) => r.adapterMs - r.handlingMs))} | ` +
    `${p50p95(rows.map((r) => r.fetchMs - r.handlingMs))} | ${p50p95(rows.map((r) => r.wallMs - r.adapterMs))} |`;
}

export function report(r: Results, context: string): string {
  const o = r.offline;
  const itemsPerSecond = r.items / (o.totalMs / 1000);
  return [
    context, '',
    `Corpus: ${int(r.items)} items of the bench creator + ${int(r.corpusItems)} of 300 other creators (local/demo-data.ts); ` +
    `${int(r.lexiconWords)} lexicon words, ${int(r.trendingKeywords)} trending keywords; ${(100 * r.withTrends).toFixed(0)}% of the ` +
    'offline suggestions use a trending keyword.', '',
    '### Bulk tagging, offline engine',
    '',
    '| items | jobs (≤ 500 items) | wall s | items/s | per item p50 / p95 / p99 ms (wall) | of which the engine (ai_usage, whole ms): share at 0 ms, p99 | worker CPU / wall | worker RSS at start / peak MB | peak heap / live heap after V8 full GCs MB |',
    '|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    `| ${int(r.items)} | ${r.bulkJobs} | ${(o.totalMs / 1000).toFixed(1)} | **${int(itemsPerSecond)}** | **${p50p95p99(r.offlineGapsMs)}** | ` +
    `${(100 * r.offlineEngineMs.filter((v) => v === 0).length / r.offlineEngineMs.length).toFixed(0)}% (< 0.5 ms), ${percentile(r.offlineEngineMs, 99)} ms | ${(100 * o.cpuMs / o.totalMs).toFixed(0)}% | ${mb(o.rssAtStartBytes)} / ${mb(Math.max(o.peakRssBytes, o.maxRssBytes))} | ` +
    `${mb(o.peakHeapUsedBytes)} / ${mb(o.liveHeapAfterFullGcBytes)} (${o.fullCollections} GCs) |`,
    '',
    'Per item (wall): the time between two consecutive suggestions of a job (ai_suggestion.created_at, its insert ' +
    'transaction\'s start), i.e. one whole item: the previous item\'s progress commit, the item\'s reads, the engine, its ' +
    'writes. Items/s: all items over the wall clock of the handler calls (claims and completes included). The engine column ' +
    'is what the executor records in ai_usage.latency_ms for the offline engine, rounded to whole ms.',
    '',
    `### Overhead on one provider call (OpenAI SDK → AI sandbox), goal p95 ≤ ${OVERHEAD_GOAL_MS} ms`,
    '',
    '| path | items | wall p50 / p95 ms | sandbox handling p50 / p95 | **overhead = wall − handling** p50 / p95 | goal | SDK + HTTP (adapter-timed call − handling) | of which fetch − handling | the rest: DB, prompt, validation, scoring (wall − adapter-timed call) |',
    '|---|--:|--:|--:|--:|---|--:|--:|--:|',
    providerRow('single-item job (`ai_generate_tags`: claim … complete_job)', r.singles),
    providerRow('one item of a bulk job (`ai_bulk_tag`, incl. its progress update)', r.bulkItems),
    `| the OpenAI adapter alone, same schema (as bench:ai-providers) | ${r.adapterOverheadMs.length} | | | ${p50p95(r.adapterOverheadMs)} | | | | |`,
    '',
    `After ${r.warmup} warm-up jobs (first secret read, SDK client, connection). The adapter-timed call is ai_usage.latency_ms ` +
    '(whole ms, so the two split columns are ±0.5 ms per item); fetch is the SDK\'s fetch with the answer\'s body. ' +
    'Percentiles of each column are taken separately and do not add up. ' +
    `Provider worker: RSS peak ${mb(Math.max(r.provider.peakRssBytes, r.provider.maxRssBytes))} MB, CPU ${(100 * r.provider.cpuMs / r.provider.totalMs).toFixed(0)}% of wall.`,
  ].join('\n');
}
