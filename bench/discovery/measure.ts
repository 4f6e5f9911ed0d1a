/** A closed-loop load measurement: `concurrency` clients, each issuing the next request when its last one answers. */
export interface Measurement {
  requests: number;
  errors: number;
  firstError?: string;
  /** The fastest request: on a shared machine, the best estimate of the unloaded cost. */
  minMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Completed requests per second over the whole measurement, all clients together. */
  qps: number;
  /** Latencies (ms) and elapsed time, so rounds can be merged. */
  samples: Float64Array;
  elapsedSeconds: number;
}

export interface LoadLimits {
  concurrency: number;
  /** Stop after this many requests in total… */
  maxRequests: number;
  /** …or after this long, whichever comes first (both bound every loop). */
  maxDurationMs: number;
  /** Unmeasured requests first, per client: warm caches, prepared statements and keep-alive sockets. */
  warmupPerClient: number;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Runs `request` under the limits and returns latency percentiles and throughput; a thrown error counts as a failure. */
export async function measure(request: () => Promise<unknown>, limits: LoadLimits): Promise<Measurement> {
  let firstError: string | undefined;
  let errors = 0;
  const attempt = async () => {
    try {
      await request();
      return true;
    } catch (error) {
      errors += 1;
      firstError ??= error instanceof Error ? error.message : String(error);
      return false;
    }
  };
  await Promise.all(Array.from({ length: limits.concurrency }, async () => {
    for (let i = 0; i < limits.warmupPerClient; i += 1) await attempt();
  }));
  errors = 0;

  const latencies = new Float64Array(limits.maxRequests);
  let issued = 0;
  let completed = 0;
  const startedAt = performance.now();
  const deadline = startedAt + limits.maxDurationMs;
  await Promise.all(Array.from({ length: limits.concurrency }, async () => {
    while (issued < limits.maxRequests && performance.now() < deadline) {
      issued += 1;
      const t0 = performance.now();
      if (await attempt()) latencies[completed++] = performance.now() - t0;
    }
  }));
  return summarise(latencies.subarray(0, completed), (performance.now() - startedAt) / 1000, errors, firstError);
}

function summarise(samples: Float64Array, elapsedSeconds: number, errors: number, firstError?: string): Measurement {
  const sorted = Float64Array.from(samples).sort();
  return {
    requests: sorted.length, errors, firstError, samples: sorted, elapsedSeconds,
    minMs: sorted.length ? sorted[0]! : Number.NaN, p50Ms: percentile(sorted, 50), p95Ms: percentile(sorted, 95), p99Ms: percentile(sorted, 99),
    qps: sorted.length / elapsedSeconds,
  };
}

/** Several rounds of one measurement as one: all their latencies, their requests over their summed time. */
export function merge(rounds: Measurement[]): Measurement {
  const samples = new Float64Array(rounds.reduce((n, r) => n + r.samples.length, 0));
  let at = 0;
  for (const r of rounds) { samples.set(r.samples, at); at += r.samples.length; }
  return summarise(samples, rounds.reduce((t, r) => t + r.elapsedSeconds, 0), rounds.reduce((n, r) => n + r.errors, 0),
    rounds.find((r) => r.firstError)?.firstError);
}
