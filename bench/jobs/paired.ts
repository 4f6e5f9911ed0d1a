/**
 * A/B comparisons that hold up on a shared machine: the two variants run in alternating chunks (A B, B A, A B, …),
 * so load from other processes drifts over both alike, and the answer is the median of the per-chunk ratios B/A
 * (each ratio compares two neighbouring chunks).
 */
import { log } from './measure.ts';

/** What a chunk reports per metric: its rate. */
export type Rates = Record<string, { perSecond: number }>;

export interface PairedMetric {
  /** What is compared, e.g. "create jobs/s". */
  metric: string;
  a: number[];
  b: number[];
}

export interface Paired {
  name: string;
  aLabel: string;
  bLabel: string;
  chunk: number;
  metrics: PairedMetric[];
}

export const median = (values: number[]) => {
  const s = [...values].filter(Number.isFinite).sort((x, y) => x - y);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Per-chunk ratios b/a (neighbouring chunks), their median, min and max. */
export function ratios(m: PairedMetric) {
  const r = m.a.map((a, i) => m.b[i]! / a);
  return { median: median(r), min: Math.min(...r), max: Math.max(...r) };
}

/**
 * Runs `reps` chunks of each variant, alternating which goes first. Each variant returns named measurements
 * (e.g. { create, drain }); their jobs/s are what is compared.
 */
export async function paired(
  name: string, aLabel: string, bLabel: string, reps: number, chunk: number,
  a: (rep: number) => Promise<Rates>,
  b: (rep: number) => Promise<Rates>,
): Promise<Paired> {
  const byMetric = new Map<string, PairedMetric>();
  const record = (side: 'a' | 'b', result: Rates) => {
    for (const [metric, m] of Object.entries(result)) {
      if (!byMetric.has(metric)) byMetric.set(metric, { metric, a: [], b: [] });
      byMetric.get(metric)![side].push(m.perSecond);
    }
  };
  for (let rep = 0; rep < reps; rep += 1) {
    log(`paired "${name}", chunk ${rep + 1}/${reps} (${chunk} jobs each): ${rep % 2 ? `${bLabel} then ${aLabel}` : `${aLabel} then ${bLabel}`}`);
    if (rep % 2) {
      record('b', await b(rep));
      record('a', await a(rep));
    } else {
      record('a', await a(rep));
      record('b', await b(rep));
    }
  }
  const result: Paired = { name, aLabel, bLabel, chunk, metrics: [...byMetric.values()] };
  for (const m of result.metrics) {
    const r = ratios(m);
    log(`  ${name} / ${m.metric}: ${bLabel} ÷ ${aLabel} = ${r.median.toFixed(2)}× (chunks ${r.min.toFixed(2)}–${r.max.toFixed(2)})`);
  }
  return result;
}
