import type { BenchCase } from './cases.ts';
import { mergeCpu, startCpuReading, type CpuPerRequest, type CpuSources } from './cpu.ts';
import type { HttpLoad } from './http-load.ts';
import { measure, merge, type LoadLimits, type Measurement } from './measure.ts';
import type { Row } from './report.ts';

/** Paths measured per case; rounds alternate them, so a change in background load hits all three alike. */
type PathName = 'gateway' | 'rawAnon' | 'rawNoRls';

export interface Miss {
  c: BenchCase;
  /** overhead: the gateway adds too much to the SQL; latency: the request itself is too slow. */
  kind: 'overhead' | 'latency';
  why: string;
}

/** Splits a measurement's budget into `rounds` equal rounds. */
export const perRound = (limits: LoadLimits, rounds: number): LoadLimits =>
  ({ ...limits, maxRequests: Math.ceil(limits.maxRequests / rounds), maxDurationMs: limits.maxDurationMs / rounds });

/** Measures every case at one concurrency level: the three paths, each in `rounds` alternating rounds. With `cpu`,
 * each row also gets the CPU per request of the gateway and raw-as-anon paths, by process (cpu.ts). */
export async function measureCases(cases: BenchCase[], load: HttpLoad, limits: LoadLimits, rounds: number,
  log: (line: string) => void, cpu?: CpuSources): Promise<Row[]> {
  const rows: Row[] = [];
  const warmups = limits.concurrency * limits.warmupPerClient;
  for (const c of cases) {
    log(`c=${limits.concurrency} ${c.name} …`);
    const samples: Record<PathName, Measurement[]> = { gateway: [], rawAnon: [], rawNoRls: [] };
    const cpuSamples: Record<'gateway' | 'rawAnon', { cpu: CpuPerRequest; requests: number }[]> = { gateway: [], rawAnon: [] };
    /** One measurement, with its CPU read around it (warm-up requests included, so counted in). */
    const measured = async (path: 'gateway' | 'rawAnon', run: () => Promise<Measurement>) => {
      // The load process only works for the gateway path.
      const reading = cpu && startCpuReading(path === 'gateway' ? cpu : { postgresPid: cpu.postgresPid });
      const m = await run();
      const requests = m.requests + m.errors + warmups;
      if (reading) cpuSamples[path].push({ cpu: reading.perRequest(requests), requests });
      samples[path].push(m);
    };
    for (let round = 0; round < rounds; round += 1) {
      const limitsOfRound = perRound(limits, rounds);
      await measured('gateway', () => load.measure(c.path, limitsOfRound));
      await measured('rawAnon', () => measure(c.rawAnon, limitsOfRound));
      samples.rawNoRls.push(await measure(c.rawNoRls, limitsOfRound));
    }
    rows.push({
      name: c.name, responseBytes: c.responseBytes,
      gateway: merge(samples.gateway), rawAnon: merge(samples.rawAnon), rawNoRls: merge(samples.rawNoRls),
      reference: limits.concurrency === 1 ? c.reference.one : c.reference.eight,
      ...(cpu && { cpu: { gateway: mergeCpu(cpuSamples.gateway), rawAnon: mergeCpu(cpuSamples.rawAnon) } }),
    });
  }
  return rows;
}

/**
 * The goals each case misses at this concurrency, each where the issue states it:
 *  - gateway p95 within `maxOverhead`× raw, "with concurrent clients": checked with more than one client. With one,
 *    the ratio is reported, not checked: an HTTP hop between processes plus the handler stack cost a fixed ~0.5 ms
 *    (p50) here, more than half of a sub-millisecond query, whatever the code does;
 *  - an absolute p95 goal (common-term search ≤ 10 ms) is a request's own latency: checked with one client. With
 *    eight closed-loop clients on two cores every request also waits for the others (latency ≈ clients / q/s).
 */
export function checkGoals(cases: BenchCase[], rows: Row[], concurrency: number, maxOverhead: number): Miss[] {
  return cases.flatMap((c, i) => {
    const row = rows[i]!;
    if (c.floor) return [];
    const misses: Miss[] = [];
    const ratio = row.gateway.p95Ms / row.rawAnon.p95Ms;
    if (concurrency > 1 && ratio > maxOverhead) {
      misses.push({ c, kind: 'overhead', why: `c=${concurrency}: gateway p95 ${ratio.toFixed(2)}× raw (goal ≤ ${maxOverhead}×)` });
    }
    for (const [path, m] of [['gateway', row.gateway], ['raw', row.rawAnon]] as const) {
      if (concurrency === 1 && c.p95GoalMs && m.p95Ms > c.p95GoalMs) {
        misses.push({ c, kind: 'latency', why: `c=${concurrency}: ${path} p95 ${m.p95Ms.toFixed(1)} ms (goal ≤ ${c.p95GoalMs} ms)` });
      }
    }
    return misses;
  });
}
