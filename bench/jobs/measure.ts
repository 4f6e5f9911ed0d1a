/** Bounded concurrent loops with per-operation latencies, and the numbers a report needs from them. */
import { loadavg } from 'node:os';

export interface Limits {
  /** Stop after this many successful operations in total. */
  maxOps: number;
  /** Stop starting operations after this many milliseconds. */
  maxMs: number;
}

export interface Measurement {
  label: string;
  workers: number;
  ops: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  firstError?: string;
  /** The time limit stopped it before every operation was done. */
  timedOut: boolean;
  /** CPU this Node process used meanwhile, in % of one core (the client side: postgres.js, and in 3 the whole local stack). */
  nodeCpuPct: number;
  /** The machine's 1-minute load average when it ended (other processes compete for the same cores). */
  load1: number;
}

/** CPU this process used since `since` (from process.cpuUsage()), in % of one core over `seconds`. */
export const cpuPct = (since: NodeJS.CpuUsage, seconds: number) => {
  const used = process.cpuUsage(since);
  return ((used.user + used.system) / 1e6 / seconds) * 100;
};

const MAX_ERRORS = 100;

export const log = (line: string) => process.stderr.write(`${line}\n`);

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/**
 * Runs `workers` loops until `maxOps` operations succeeded, the time is up, or an operation reports there is
 * nothing left (returns false). Each loop calls `op(worker)`; its duration is one latency sample (or the number it
 * returns: its own measurement, for an op that waits before the part that counts). An op that handles a batch
 * returns `{ batch: n }`: it counts n operations, and its duration is one sample (the batch's cycle). Errors are
 * counted (the loops go on, but stop after 100 errors) so a table of fast failures is never mistaken for
 * fast work. Prints progress every 2 s.
 */
export async function runLoops(
  label: string,
  workers: number,
  limits: Limits,
  op: (worker: number) => Promise<boolean | number | { batch: number }>,
): Promise<Measurement> {
  const latencies: number[] = [];
  let ops = 0;
  let started = 0;
  let errors = 0;
  let firstError: string | undefined;
  let exhausted = false;
  let timedOut = false;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const progress = setInterval(() => {
    const s = (performance.now() - t0) / 1000;
    log(`  ${label}: ${ops.toLocaleString('en-US')}/${limits.maxOps.toLocaleString('en-US')} in ${s.toFixed(1)} s ` +
      `(${Math.round(ops / s).toLocaleString('en-US')}/s)${errors ? `, ${errors} errors` : ''}`);
  }, 2000);
  try {
    await Promise.all(Array.from({ length: workers }, async (_, worker) => {
      while (!exhausted && started < limits.maxOps && errors < MAX_ERRORS) {
        if (performance.now() - t0 > limits.maxMs) {
          timedOut = true;
          break;
        }
        started += 1;
        const begin = performance.now();
        try {
          const did = await op(worker);
          if (did === false) {
            started -= 1;
            exhausted = true;
            break;
          }
          latencies.push(typeof did === 'number' ? did : performance.now() - begin);
          ops += typeof did === 'object' ? did.batch : 1;
        } catch (error) {
          started -= 1;
          errors += 1;
          firstError ??= error instanceof Error ? `${(error as { code?: string }).code ?? ''} ${error.message}`.trim() : String(error);
        }
      }
    }));
  } finally {
    clearInterval(progress);
  }
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const m: Measurement = {
    label, workers, ops, seconds, perSecond: ops / seconds,
    p50Ms: percentile(latencies, 50), p95Ms: percentile(latencies, 95), p99Ms: percentile(latencies, 99),
    maxMs: latencies.at(-1) ?? Number.NaN, errors, firstError, timedOut: timedOut && ops < limits.maxOps,
    nodeCpuPct: cpuPct(cpu0, seconds),
    load1: loadavg()[0]!,
  };
  log(`  ${label}: ${describe(m)}`);
  return m;
}

export const fmtMs = (value: number) =>
  (Number.isFinite(value) ? (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)) : '—');
export const fmtRate = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '—');
export const fmtInt = (value: number) => value.toLocaleString('en-US');

export function describe(m: Measurement): string {
  return `${fmtInt(m.ops)} in ${m.seconds.toFixed(1)} s = ${fmtRate(m.perSecond)}/s; ms p50 ${fmtMs(m.p50Ms)} / p95 ${fmtMs(m.p95Ms)} ` +
    `/ p99 ${fmtMs(m.p99Ms)} / max ${fmtMs(m.maxMs)}${m.errors ? `; ${m.errors} errors (first: ${m.firstError})` : ''}` +
    `${m.timedOut ? '; TIME LIMIT' : ''}; node CPU ${m.nodeCpuPct.toFixed(0)}% of a core; load ${m.load1.toFixed(1)}`;
}
