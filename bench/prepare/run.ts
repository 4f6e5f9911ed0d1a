/**
 * `npm run bench:prepare`: what postgres.js `prepare: false` — the Lambdas' setting (DB_PREPARE=false), so RDS Proxy
 * never pins a connection to named prepared statements — costs against named prepared statements, on hot discovery
 * reads as the handlers run them (the domain functions of functions/discovery/queries.ts: one anon transaction with
 * its role, claims and planner settings, then the query). Same database, same data, same client code; only
 * `prepare` differs. Rounds alternate between the two, so background load affects both alike. Prints a table.
 *
 *   --items N --creators N   demo data size (default 20,000 / 1,000)
 *   --requests N --seconds S per round and setting, whichever comes first (default 1,000 / 2)
 *   --rounds N               default 5
 *   --concurrency 1,8        client connections
 *   DATABASE_URL             use this server instead (a role that may create roles and databases)
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import * as z from 'zod/mini';
import { quiet } from '../../db/bootstrap.ts';
import { asService } from '../../db/context.ts';
import { browseContent, getContentDetail, searchContent } from '../../functions/discovery/queries.ts';
import { BrowseContentQuery } from '../../functions/discovery/routes/browse-content.ts';
import { ContentDetailQuery } from '../../functions/discovery/routes/get-content-detail.ts';
import { SearchContentQuery } from '../../functions/discovery/routes/search-content.ts';
import { generateDemoData } from '../../local/demo-data.ts';
import { refreshDerivedData } from '../../local/refresh.ts';
import { startBenchDatabase } from '../discovery/database.ts';
import { measure, merge, type Measurement } from '../discovery/measure.ts';
import { writeBenchResult, type BenchGoal } from '../summary-result.ts';

const { values: args } = parseArgs({
  options: {
    items: { type: 'string', default: '20000' }, creators: { type: 'string', default: '1000' },
    requests: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '5' }, concurrency: { type: 'string', default: '1,8' },
  },
});
const [items, creators, maxRequests, seconds, rounds] = [args.items, args.creators, args.requests, args.seconds, args.rounds].map(Number);
const concurrencies = args.concurrency.split(',').map(Number);
if (![items, creators, maxRequests, seconds, rounds, ...concurrencies].every((n) => Number.isFinite(n) && n! > 0)) {
  throw new Error('bench:prepare: every option takes a positive number');
}
const log = (line: string) => process.stderr.write(`${line}\n`);

const database = await startBenchDatabase({ superuserUrl: process.env.DATABASE_URL });
try {
  const app = postgres(database.appUrl, { max: 4, ...quiet });
  const owner = postgres(database.ownerUrl, { max: 1, ...quiet });
  log(`${database.description}: generating ${items} items / ${creators} creators …`);
  await generateDemoData(app, { items: items!, creators: creators! });
  await refreshDerivedData(app);
  await owner`VACUUM (ANALYZE)`;
  const [item] = await asService(app, (tx) => tx`
    SELECT id FROM public.content_item WHERE deleted_at IS NULL AND visibility = 'public' ORDER BY views_count DESC LIMIT 1`);
  await Promise.all([app.end(), owner.end()]);

  const cases = {
    'browse: recent, gaming, 50': (sql: postgres.Sql) => browseContent(sql, z.parse(BrowseContentQuery(), { sort: 'recent', category: 'gaming', limit: '50' })),
    'search: "tutorial", 20': (sql: postgres.Sql) => searchContent(sql, z.parse(SearchContentQuery(), { q: 'tutorial' })),
    'content detail': (sql: postgres.Sql) => getContentDetail(sql, z.parse(ContentDetailQuery(), { id: item!.id })),
  };
  const load = [loadavg()[0]!];
  const rows: string[] = [];
  // No goal: what prepare:false costs is watched, one line per concurrency for the summary (`npm run bench`).
  const watched: BenchGoal[] = [];
  for (const concurrency of concurrencies) {
    const costs: string[] = [];
    const clients = { prepared: postgres(database.appUrl, { max: concurrency, prepare: true, ...quiet }),
      unnamed: postgres(database.appUrl, { max: concurrency, prepare: false, ...quiet }) };
    for (const [name, run] of Object.entries(cases)) {
      const results: Record<keyof typeof clients, Measurement[]> = { prepared: [], unnamed: [] };
      for (let round = 0; round < rounds!; round += 1) {
        for (const mode of round % 2 ? ['unnamed', 'prepared'] as const : ['prepared', 'unnamed'] as const) {
          results[mode].push(await measure(() => run(clients[mode]), { concurrency, maxRequests: maxRequests!, maxDurationMs: seconds! * 1000, warmupPerClient: 5 }));
        }
      }
      const [p, u] = [merge(results.prepared), merge(results.unnamed)];
      if (p.errors || u.errors) throw new Error(`${name}: ${p.firstError ?? u.firstError}`);
      const f = (m: Measurement) => `${m.p50Ms.toFixed(2)} / ${m.p95Ms.toFixed(2)} / ${m.minMs.toFixed(2)} | ${Math.round(m.qps)}`;
      rows.push(`| ${concurrency} | ${name} | ${f(p)} | ${f(u)} | ${((u.p50Ms / p.p50Ms - 1) * 100).toFixed(0)}% | ${((p.qps / u.qps - 1) * 100).toFixed(0)}% |`);
      log(rows.at(-1)!);
      costs.push(`${name.split(':')[0]} ${p.p50Ms.toFixed(2)} → ${u.p50Ms.toFixed(2)} ms`);
    }
    watched.push({ name: `p50 with prepare:true → false (the Lambdas' setting), ${concurrency} client(s)`, goal: '—', measured: costs.join('; '), met: null });
    await Promise.all([clients.prepared.end(), clients.unnamed.end()]);
  }
  load.push(loadavg()[0]!);
  console.log([
    `prepare: true vs false, ${items} items / ${creators} creators, ${rounds} rounds × ≤${maxRequests} requests or ${seconds} s per setting; ` +
      `load average ${load.map((l) => l.toFixed(2)).join(' → ')}`,
    '',
    '| clients | request | prepared: p50 / p95 / min ms \\| q/s | prepare:false: p50 / p95 / min ms \\| q/s | p50 cost | q/s lost |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n'));
  log(`saved ${await writeBenchResult('prepare', watched)}`);
} finally {
  await database.stop();
}
