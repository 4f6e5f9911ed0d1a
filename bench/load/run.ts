/**
 * `npm run bench:load`: the local stack on a throwaway PostgreSQL (or DATABASE_URL's server), then a mixed workload
 * from a separate process for LOAD_DURATION_MS (default 120 s) at LOAD_CONCURRENCY (default 16): p50/p95 per route,
 * errors, and the database's connections and the stack's memory, first third against last.
 */
import postgres from 'postgres';
import { quiet } from '../../db/bootstrap.ts';
import { startLocalStack } from '../../local/stack.ts';
import { startBenchDatabase } from '../jobs/database.ts';
import { writeBenchResult } from '../summary-result.ts';
import { flatness, formatLoadReport, runLoad } from './load.ts';

// --quick (npm run bench): 30 s.
const DURATION_MS = Number(process.env.LOAD_DURATION_MS ?? (process.argv.includes('--quick') ? 30_000 : 120_000));
const CONCURRENCY = Number(process.env.LOAD_CONCURRENCY ?? 16);

const database = await startBenchDatabase(process.env.DATABASE_URL, 'load');
const stack = await startLocalStack({ databaseUrl: database.appUrl, port: 0, sqsPort: 0, schedules: 'timers' });
const owner = postgres(database.ownerUrl, { max: 2, ...quiet });
try {
  console.log(`load: ${DURATION_MS / 1000} s at ${CONCURRENCY} concurrent against ${stack.url} (${database.description})`);
  const report = await runLoad({ url: stack.url, owner, durationMs: DURATION_MS, concurrency: CONCURRENCY, creators: 8, items: 200 });
  console.log(formatLoadReport(report, DURATION_MS));
  const problems = flatness(report);
  console.log(problems.length ? `NOT FLAT: ${problems.join('; ')}` : 'flat: connections and memory');
  const p95 = Object.entries(report.routes).map(([route, stats]) => [route, stats.p95] as const).sort((a, b) => b[1] - a[1]);
  await writeBenchResult('load', [
    { name: `errors in ${report.requests.toLocaleString('en-US')} requests (${DURATION_MS / 1000} s, ${CONCURRENCY} concurrent)`, goal: '0',
      measured: String(report.errors), met: report.errors === 0 },
    { name: 'connections and stack memory, first third vs last', goal: 'flat',
      measured: problems.length ? problems.join('; ') : `connections max ${report.first.maxConnections} → ${report.last.maxConnections}, ` +
        `heap ${report.first.heapMb.toFixed(0)} → ${report.last.heapMb.toFixed(0)} MB`, met: problems.length === 0 },
    { name: 'slowest route p95', goal: '—', measured: p95[0] ? `${p95[0][1].toFixed(1)} ms (${p95[0][0]})` : '—', met: null },
  ]);
  process.exitCode = report.errors === 0 && problems.length === 0 ? 0 : 1;
} finally {
  await owner.end();
  await stack.stop();
  await database.stop();
}
