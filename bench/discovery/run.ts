/**
 * `npm run bench:discovery`: discovery requests at scale, through the local gateway over HTTP and as the same SQL run
 * raw, on a throwaway embedded PostgreSQL filled with demo data (local/demo-data.ts). Prints one table per
 * concurrency level and saves the report to bench/results/discovery-<date>.md. See bench/README.md.
 *
 *   --items N --creators N   data size (default 1,000,000 items / 50,000 creators, as in FIELD-NOTES)
 *   --quick                  100,000 items / 5,000 creators
 *   --data-dir DIR           keep the cluster in DIR and reuse its data on the next run (same sizes and migrations)
 *   --requests N --seconds S per measurement: stop after N requests or S seconds (default 2,000 / 3)
 *   --concurrency 1,8        client counts
 *   DATABASE_URL             use this server instead (a role that may create roles and databases, as for npm test);
 *                            database streamvibe_bench is created there and kept
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import postgres, { type Sql } from 'postgres';
import { quiet } from '../../db/bootstrap.ts';
import { readAsAnon } from '../../functions/discovery/queries.ts';
import { formatProgress, generateDemoData, nextDemoOrdinals } from '../../local/demo-data.ts';
import { refreshDerivedData } from '../../local/refresh.ts';
import { startLocalStack } from '../../local/stack.ts';
import { measureLayers } from './breakdown.ts';
import { buildCases } from './cases.ts';
import { BENCH_DATABASE, startBenchDatabase, type BenchDatabase } from './database.ts';
import { explainRequest } from './explain.ts';
import { startHttpLoad, type HttpLoad } from './http-load.ts';
import type { LoadLimits } from './measure.ts';
import { localPostmasterPid } from './cpu.ts';
import { cpuTable, errorNotes, layerTable, table, type Row } from './report.ts';
import { writeBenchResult, type BenchGoal } from '../summary-result.ts';
import type { BenchCase } from './cases.ts';
import { checkGoals, measureCases, type Miss } from './suite.ts';

const RESULTS_DIR = resolve(import.meta.dirname, '../results');
const WARMUP_PER_CLIENT = 5;
const GATEWAY_OVERHEAD_GOAL = 1.5;
const ROUNDS = 3;
const BREAKDOWN_QUERY = { sort: 'recent', category: 'gaming', limit: '50' };

const { values: args } = parseArgs({
  options: {
    items: { type: 'string' }, creators: { type: 'string' }, quick: { type: 'boolean', default: false },
    'data-dir': { type: 'string' }, requests: { type: 'string', default: '2000' }, seconds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '1,8' }, seed: { type: 'string', default: '42' },
  },
});
const items = Number(args.items ?? (args.quick ? 100_000 : 1_000_000));
const creators = Number(args.creators ?? (args.quick ? 5_000 : 50_000));
const concurrencies = args.concurrency.split(',').map(Number);
const budget = { maxRequests: Number(args.requests), maxDurationMs: Number(args.seconds) * 1000, warmupPerClient: WARMUP_PER_CLIENT };
if (![items, creators, budget.maxRequests, budget.maxDurationMs, ...concurrencies].every((n) => Number.isFinite(n) && n > 0)) {
  throw new Error('bench:discovery: --items, --creators, --requests, --seconds and --concurrency take positive numbers');
}
const log = (line: string) => process.stderr.write(`${line}\n`);
const n = (value: number) => Math.round(value).toLocaleString('en-US');

/** Generates the data unless the database already holds exactly this size; returns what the report says about it. */
async function ensureData(app: Sql, owner: Sql): Promise<string> {
  const existing = await nextDemoOrdinals(app);
  if (existing.creators > 0) {
    if (existing.items !== items || existing.creators !== creators) {
      throw new Error(`the database already holds ${existing.items} items / ${existing.creators} creators, not ${items} / ` +
        `${creators}: use another --data-dir (or the same sizes)`);
    }
    // A migration added since the data was generated may derive data of its own: refresh everything, then ANALYZE.
    const refreshStartedAt = performance.now();
    const refreshed = await refreshDerivedData(app);
    await owner`VACUUM (ANALYZE)`;
    return `reused (${n(existing.items)} items, ${n(existing.creators)} creators); refreshed ${refreshed.join(', ')} and ` +
      `VACUUM ANALYZE in ${((performance.now() - refreshStartedAt) / 1000).toFixed(0)} s`;
  }
  const s = await generateDemoData(app, { creators, items, seed: Number(args.seed), onProgress: (p) => log(formatProgress(p)) });
  log('VACUUM ANALYZE (as the owner) …');
  const vacuumStartedAt = performance.now();
  await owner`VACUUM (ANALYZE)`;
  return `${n(s.items)} items (${n(s.tags)} tags, ${n(s.media)} media), ${n(s.creators)} creators (${n(s.accounts)} accounts) ` +
    `generated in ${s.seconds.toFixed(0)} s, items at ${n(s.itemsPerSecond)}/s; refreshed ${s.refreshed.join(', ')}; ` +
    `VACUUM ANALYZE ${((performance.now() - vacuumStartedAt) / 1000).toFixed(0)} s`;
}

/** The goals checkGoals checks, one line each for the summary (`npm run bench`): the worst case per concurrency. */
function summaryGoals(cases: BenchCase[], measured: { concurrency: number; rows: Row[] }[]): BenchGoal[] {
  return measured.flatMap(({ concurrency, rows }) => {
    const queries = rows.filter((_, i) => !cases[i]!.floor);
    if (concurrency > 1) {
      const worst = queries.reduce((a, b) => (b.gateway.p95Ms / b.rawAnon.p95Ms > a.gateway.p95Ms / a.rawAnon.p95Ms ? b : a));
      const ratio = worst.gateway.p95Ms / worst.rawAnon.p95Ms;
      return [{ name: `gateway p95 ÷ raw p95, ${concurrency} clients, worst of ${queries.length} requests`, goal: `≤ ${GATEWAY_OVERHEAD_GOAL}×`,
        measured: `${ratio.toFixed(2)}× (${worst.name})`, met: ratio <= GATEWAY_OVERHEAD_GOAL }];
    }
    return rows.flatMap((row, i) => {
      const goalMs = cases[i]!.p95GoalMs;
      if (!goalMs) return [];
      return [{ name: `${row.name} p95, 1 client: gateway; raw`, goal: `≤ ${goalMs} ms`,
        measured: `${row.gateway.p95Ms.toFixed(1)} ms; ${row.rawAnon.p95Ms.toFixed(1)} ms`, met: Math.max(row.gateway.p95Ms, row.rawAnon.p95Ms) <= goalMs }];
    });
  });
}

/** The statements' durations and top plan nodes, one line each: enough to show the SQL is not where the time went. */
const summarisePlans = (plans: string[]) => plans.map((plan) => {
  const duration = /duration: ([\d.]+ ms)/.exec(plan)?.[1] ?? '?';
  const top = plan.split('\n').find((line) => line.includes('(cost=')) ?? '';
  const rows = /actual time=[\d.]+\.\.[\d.]+ rows=\d+/.exec(top)?.[0] ?? 'not executed';
  return `- ${duration}: ${top.slice(0, top.indexOf('(cost=')).trim()} (${rows})`;
});

/**
 * For each request that missed a goal, the plans of every statement it runs, as the handler runs it (anon, tuned).
 * A request that is too slow gets them in full; one that only misses the gateway-overhead goal gets one line per
 * statement (its SQL time), since the layer table, not a plan, shows where that time goes.
 */
async function explainMisses(db: BenchDatabase, app: Sql, misses: Miss[]): Promise<string[]> {
  const lines: string[] = [];
  for (const c of new Set(misses.map((m) => m.c))) {
    const own = misses.filter((m) => m.c === c);
    const plans = await explainRequest(db.superuserUrl, BENCH_DATABASE, c.statement).catch(async (error: unknown) => {
      log(`auto_explain unavailable (${(error as Error).message}): plain EXPLAIN of the main statement`);
      const plan = await readAsAnon(app, (tx) => tx<{ 'QUERY PLAN': string }[]>`EXPLAIN (ANALYZE, BUFFERS) ${c.explain(tx)}`);
      return [plan.map((r) => r['QUERY PLAN']).join('\n')];
    });
    lines.push(`### ${c.name}`, '', ...own.map((m) => `- ${m.why}`), '');
    if (own.some((m) => m.kind === 'latency')) lines.push('```', ...plans.flatMap((p) => [p, '']), '```', '');
    else lines.push('SQL per statement (auto_explain):', '', ...summarisePlans(plans), '');
  }
  return lines;
}

const db = await startBenchDatabase({ superuserUrl: process.env.DATABASE_URL, dataDir: args['data-dir'] });
const app = postgres(db.appUrl, { max: Math.max(...concurrencies) + 2, ...quiet });
const owner = postgres(db.ownerUrl, { max: 1, ...quiet });
let stack: Awaited<ReturnType<typeof startLocalStack>> | undefined;
let closeCases = async () => {};
let http: HttpLoad | undefined;
try {
  log(`database: ${db.description}`);
  const data = await ensureData(app, owner);
  log(`data: ${data}`);
  stack = await startLocalStack({ databaseUrl: db.appUrl, port: 0, sqsPort: 0, schedules: 'manual' });
  const cases = await buildCases({ app, appUrl: db.appUrl, gatewayUrl: stack.url, maxConcurrency: Math.max(...concurrencies) });
  closeCases = cases.close;
  http = startHttpLoad(stack.url);
  const cpu = { loadPid: http.pid, postgresPid: await localPostmasterPid(app) };

  const loadBefore = loadavg()[0]!;
  const sections: string[] = [];
  const errors: string[] = [];
  const misses: Miss[] = [];
  const measured: { concurrency: number; rows: Row[] }[] = [];
  for (const concurrency of concurrencies) {
    const rows = await measureCases(cases.list, http, { ...budget, concurrency }, ROUNDS, log, cpu);
    measured.push({ concurrency, rows });
    sections.push(table(concurrency, rows), cpuTable(concurrency, rows));
    errors.push(...errorNotes(rows));
    misses.push(...checkGoals(cases.list, rows, concurrency, GATEWAY_OVERHEAD_GOAL));
  }
  const layers = [];
  for (const concurrency of concurrencies) {
    log(`c=${concurrency} layers of GET /browse-content?${new URLSearchParams(BREAKDOWN_QUERY)} …`);
    const load: LoadLimits = { ...budget, concurrency };
    layers.push({ concurrency, layers: await measureLayers({ app, http, query: BREAKDOWN_QUERY, load, rounds: ROUNDS }) });
  }
  sections.push(layerTable(`Where the gateway's time goes: GET /browse-content?${new URLSearchParams(BREAKDOWN_QUERY)}`, layers));
  const loadAfter = loadavg()[0]!;
  const explained = await explainMisses(db, app, misses);

  const date = new Date().toISOString().slice(0, 10);
  const [version] = await owner<{ server_version: string }[]>`SHOW server_version`;
  // Only the load before counts: the one after includes this benchmark's own clients, gateway and backends.
  const busy = loadBefore > cpus().length * 0.5;
  const report = [
    `# Discovery benchmark, ${date}`, '',
    `- data: ${data}`,
    `- database: ${db.description}; PostgreSQL ${version?.server_version ?? '?'}`,
    `- machine: ${cpus().length} CPUs; 1-minute load average ${loadBefore.toFixed(1)} when the measurements started ` +
      `${busy ? '(BUSY: other work shared the CPUs, so latencies are inflated; [min] is the best estimate of the unloaded cost)' : '(quiet)'}` +
      `, ${loadAfter.toFixed(1)} when they ended (this benchmark's own load included)`,
    `- per measurement: ${budget.maxRequests} requests or ${budget.maxDurationMs / 1000} s, in ${ROUNDS} rounds alternating the paths, ` +
      `after ${WARMUP_PER_CLIENT} warm-up requests per client; loopback, keep-alive`,
    '- gateway: GET over HTTP (node:http, keep-alive, from a separate load process: http-load.ts) to startLocalStack ' +
      '(local/stack.ts); raw SQL as anon: the builders exported by ' +
      'functions/discovery/queries.ts with the handler\'s arguments, in readAsAnon (the handler\'s transaction and planner settings); ' +
      'no RLS: the same SQL on a service_role session, no transaction, default planner settings (one round trip, like FIELD-NOTES)',
    ...cases.notes.map((note) => `- ${note}`), '',
    ...sections.filter(Boolean).flatMap((s) => [s, '']),
    ...(errors.length ? ['Errors:', ...errors, ''] : []),
    `## Goals: with concurrent clients, gateway p95 ≤ ${GATEWAY_OVERHEAD_GOAL}× raw; one request at a time, common-term ` +
      'search p95 ≤ 10 ms (suite.ts checkGoals says why each is checked where it is)', '',
    ...(misses.length
      ? ['Missed. Plans of every statement the request runs, nested ones included (auto_explain, as anon, with the handler\'s ' +
        'planner settings; timings include auto_explain\'s own overhead):', '', ...explained]
      : ['All met.', '']),
  ].join('\n');
  console.log(report);
  await mkdir(RESULTS_DIR, { recursive: true });
  // The full size keeps the plain name; other sizes are suffixed, so a quick run never overwrites a full one.
  const suffix = items === 1_000_000 && creators === 50_000 ? '' : `-${items >= 1000 ? `${Math.round(items / 1000)}k` : items}-items`;
  const file = resolve(RESULTS_DIR, `discovery-${date}${suffix}.md`);
  await writeFile(file, report);
  log(`saved ${file} and ${await writeBenchResult('discovery', summaryGoals(cases.list, measured))}`);
} finally {
  await closeCases();
  await http?.close();
  await stack?.stop();
  await (await import('../../functions/_shared/db.ts')).closeDb();
  await Promise.all([app.end(), owner.end()]);
  await db.stop();
}
