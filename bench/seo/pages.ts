/**
 * The public creator page at scale: `GET /creator/{slug}` (the site feature's HTML page) through the local gateway
 * over HTTP vs the same SQL run raw, on bench/discovery's data set (1,000,000 items / 50,000 creators by default) and
 * with its machinery (database, demo data, the separate HTTP load process, alternating rounds, the report table).
 * Goal (issue 14): gateway p95 ≤ 1.5× raw, checked with concurrent clients as bench/discovery checks it (suite.ts).
 *
 *   tsx bench/seo/pages.ts [--items N --creators N | --quick] [--data-dir DIR] [--requests N --seconds S] [--concurrency 1,8]
 *
 * `run()` does the same for bench/seo/run.ts and returns the report; run alone, this file prints it and saves it to
 * bench/results/seo-pages-<date>[-<N>k-items].md.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import postgres, { type Sql } from 'postgres';
import { quiet } from '../../db/bootstrap.ts';
import { asService } from '../../db/context.ts';
import { creatorPageQuery } from '../../functions/_shared/catalog/page-sql.ts';
import { readAsAnon } from '../../functions/_shared/catalog/read.ts';
import { readCursor } from '../../functions/_shared/cursor.ts';
import { CREATOR_PAGE_ITEMS } from '../../functions/site/pages.ts';
import { formatProgress, generateDemoData, nextDemoOrdinals } from '../../local/demo-data.ts';
import { refreshDerivedData } from '../../local/refresh.ts';
import { startLocalStack } from '../../local/stack.ts';
import type { BenchCase, Statement } from '../discovery/cases.ts';
import { startBenchDatabase } from '../discovery/database.ts';
import { startHttpLoad } from '../discovery/http-load.ts';
import { localPostmasterPid } from '../discovery/cpu.ts';
import { cpuTable, table } from '../discovery/report.ts';
import { checkGoals, measureCases } from '../discovery/suite.ts';

export interface PagesOptions {
  items: number;
  creators: number;
  /** Keep the cluster here and reuse its data when it holds exactly these sizes (bench/discovery's --data-dir). */
  dataDir?: string;
  /** Per measurement: stop after this many requests or this long, whichever comes first. */
  requests: number;
  seconds: number;
  concurrency: number[];
  seed: number;
  log?: (line: string) => void;
}

export const GATEWAY_OVERHEAD_GOAL = 1.5;
const ROUNDS = 3;
const WARMUP_PER_CLIENT = 5;
const ORDERING = 'recent';
/** Items of discovery's GET /get-creator-by-slug (functions/discovery/queries.ts). */
const DISCOVERY_CREATOR_ITEMS = 20;
const RESULTS_DIR = resolve(import.meta.dirname, '../results');
const n = (value: number) => Math.round(value).toLocaleString('en-US');

/** Generates the data unless the database holds exactly this size already (then refreshes it, as bench/discovery does). */
async function ensureData(app: Sql, owner: Sql, options: PagesOptions, log: (line: string) => void): Promise<string> {
  const existing = await nextDemoOrdinals(app);
  if (existing.creators > 0) {
    if (existing.items !== options.items || existing.creators !== options.creators) {
      throw new Error(`the database holds ${existing.items} items / ${existing.creators} creators, not ${options.items} / ${options.creators}`);
    }
    await refreshDerivedData(app);
    await owner`VACUUM (ANALYZE)`;
    return `reused (${n(existing.items)} items, ${n(existing.creators)} creators)`;
  }
  const made = await generateDemoData(app, { creators: options.creators, items: options.items, seed: options.seed, onProgress: (p) => log(formatProgress(p)) });
  await owner`VACUUM (ANALYZE)`;
  return `${n(made.items)} items, ${n(made.creators)} creators generated in ${made.seconds.toFixed(0)} s`;
}

/** GET a page over HTTP (a fresh connection is fine: this only finds inputs), failing on anything but 200. */
async function page(baseUrl: string, path: string): Promise<string> {
  const response = await fetch(`${baseUrl}${path}`);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${path} → ${response.status}`);
  return text;
}

/** The creator-page cases: the most prolific creator, its "more" page, and a median creator; each with its raw SQL. */
async function creatorCases(app: Sql, service: Sql, gatewayUrl: string): Promise<{ cases: BenchCase[]; notes: string[] }> {
  const [top, median] = await asService(app, (tx) => tx<{ slug: string; items: number }[]>`
    (SELECT profile_slug AS slug, total_content::float8 AS items FROM users
     WHERE is_public AND deleted_at IS NULL AND profile_slug IS NOT NULL ORDER BY total_content DESC, id LIMIT 1)
    UNION ALL
    (SELECT profile_slug, total_content::float8 FROM users
     WHERE is_public AND deleted_at IS NULL AND profile_slug IS NOT NULL AND total_content > 0 ORDER BY total_content, id
     OFFSET (SELECT count(*) / 2 FROM users WHERE is_public AND deleted_at IS NULL AND profile_slug IS NOT NULL AND total_content > 0)
     LIMIT 1)`);
  if (!top || !median) throw new Error('bench: no public creator with items; generate data first');
  const first = await page(gatewayUrl, `/creator/${top.slug}`);
  const more = first.match(/<a class="more" rel="next" href="([^"]+)"/)?.[1]?.replace(/&amp;/g, '&');
  if (!more) throw new Error(`bench: creator ${top.slug} has one page only; generate more items`);
  const after = readCursor(new URL(more, gatewayUrl).searchParams.get('cursor')!, ORDERING, ['timestamp', 'uuid']);

  // Exactly what the site's loadCreatorPage sends (functions/site/pages.ts): one query, inside readAsAnon.
  const creatorPage = (slug: string, cursor?: string[]): Statement => (tx) => creatorPageQuery(tx, slug, CREATOR_PAGE_ITEMS, cursor);
  const reference = { one: 'p50 0.35 (slug + latest 20)', eight: 'p50 1.2' };
  const c = (name: string, path: string, build: Statement, extra: Partial<BenchCase> = {}): BenchCase => ({
    name, path, reference, responseBytes: 0, statement: build, explain: build as BenchCase['explain'],
    rawAnon: () => readAsAnon(app, (tx) => Promise.resolve(build(tx))), rawNoRls: () => Promise.resolve(build(service)), ...extra,
  });
  const cases = [
    c('floor: GET /robots.txt (no SQL) vs SELECT 1', '/robots.txt', (tx) => tx`SELECT 1`,
      { floor: true, reference: { one: 'PK lookup p50 0.20', eight: 'PK lookup p50 0.39' } }),
    c(`creator page, most items (${n(top.items)})`, `/creator/${top.slug}`, creatorPage(top.slug)),
    c('creator page, most items, "more" page 2', more, creatorPage(top.slug, after)),
    c(`creator page, median creator (${n(median.items)} items)`, `/creator/${median.slug}`, creatorPage(median.slug)),
    // Context: the same creator as discovery's JSON (20 items), on the same data and machine, to tell HTML from the path.
    c(`for comparison: GET /get-creator-by-slug (JSON, ${DISCOVERY_CREATOR_ITEMS} items), most items`, `/get-creator-by-slug?slug=${top.slug}`,
      (tx) => creatorPageQuery(tx, top.slug, DISCOVERY_CREATOR_ITEMS)),
  ];
  for (const bc of cases) bc.responseBytes = Buffer.byteLength(await page(gatewayUrl, bc.path));
  return { cases, notes: [`creators ${top.slug} (${n(top.items)} items) and ${median.slug} (${n(median.items)}); ${CREATOR_PAGE_ITEMS} items a page`] };
}

/** Runs the benchmark on its own throwaway (or kept) database and local stack; returns the markdown report. */
export async function run(options: PagesOptions): Promise<{ report: string; met: boolean }> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const maxClients = Math.max(...options.concurrency);
  const db = await startBenchDatabase({ superuserUrl: process.env.DATABASE_URL, dataDir: options.dataDir });
  const app = postgres(db.appUrl, { max: maxClients + 2, ...quiet });
  const owner = postgres(db.ownerUrl, { max: 1, ...quiet });
  // Session-level role for the no-RLS path (bench/discovery's "bare"): every pooled connection is service_role.
  const service = postgres(db.appUrl, { max: maxClients, ...quiet, connection: { role: 'service_role' } as never });
  let stack: Awaited<ReturnType<typeof startLocalStack>> | undefined;
  let http: ReturnType<typeof startHttpLoad> | undefined;
  try {
    log(`database: ${db.description}`);
    const data = await ensureData(app, owner, options, log);
    log(`data: ${data}`);
    stack = await startLocalStack({ databaseUrl: db.appUrl, port: 0, sqsPort: 0, schedules: 'manual' });
    const { cases, notes } = await creatorCases(app, service, stack.url);
    http = startHttpLoad(stack.url);
    const cpu = { loadPid: http.pid, postgresPid: await localPostmasterPid(app) };
    const budget = { maxRequests: options.requests, maxDurationMs: options.seconds * 1000, warmupPerClient: WARMUP_PER_CLIENT };
    const loadBefore = loadavg()[0]!;
    const sections: string[] = [];
    const misses: string[] = [];
    for (const concurrency of options.concurrency) {
      const rows = await measureCases(cases, http, { ...budget, concurrency }, ROUNDS, log, cpu);
      sections.push(table(concurrency, rows), cpuTable(concurrency, rows));
      misses.push(...checkGoals(cases, rows, concurrency, GATEWAY_OVERHEAD_GOAL).map((m) => `- ${m.c.name}: ${m.why}`));
    }
    const busy = loadBefore > cpus().length * 0.5;
    const report = [
      `# Creator page at ${n(options.items)} items: gateway vs raw SQL, ${new Date().toISOString().slice(0, 10)}`, '',
      `- data: ${data}; database: ${db.description}`,
      `- machine: ${cpus().length} CPUs, 1-minute load average ${loadBefore.toFixed(1)} at the start ` +
        `${busy ? '(BUSY: shared with other work, latencies inflated; [min] is the best estimate of the unloaded cost)' : '(quiet)'}`,
      `- per measurement: ${budget.maxRequests} requests or ${options.seconds} s in ${ROUNDS} alternating rounds, after ` +
        `${WARMUP_PER_CLIENT} warm-up requests per client; gateway: GET over HTTP from a separate load process to startLocalStack ` +
        '(the site Lambda renders the HTML page); raw SQL as anon: creatorPageQuery as loadCreatorPage sends it, in readAsAnon; ' +
        'no RLS: the same SQL on a service_role session, one round trip',
      ...notes.map((note) => `- ${note}`), '',
      ...sections.filter(Boolean).flatMap((s) => [s, '']),
      `## Goal: with concurrent clients, gateway p95 ≤ ${GATEWAY_OVERHEAD_GOAL}× raw (one client: printed, not checked; bench/discovery/suite.ts says why)`, '',
      ...(misses.length ? ['Missed:', ...misses] : ['Met.']), '',
    ].join('\n');
    return { report, met: misses.length === 0 };
  } finally {
    await http?.close();
    await stack?.stop();
    await Promise.all([app.end(), owner.end(), service.end()]);
    await db.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values: args } = parseArgs({
    options: {
      items: { type: 'string' }, creators: { type: 'string' }, quick: { type: 'boolean', default: false }, 'data-dir': { type: 'string' },
      requests: { type: 'string', default: '2000' }, seconds: { type: 'string', default: '3' }, concurrency: { type: 'string', default: '1,8' },
      seed: { type: 'string', default: '42' },
    },
  });
  const options: PagesOptions = {
    items: Number(args.items ?? (args.quick ? 100_000 : 1_000_000)), creators: Number(args.creators ?? (args.quick ? 5_000 : 50_000)),
    dataDir: args['data-dir'], requests: Number(args.requests), seconds: Number(args.seconds),
    concurrency: args.concurrency.split(',').map(Number), seed: Number(args.seed),
  };
  if (![options.items, options.creators, options.requests, options.seconds, ...options.concurrency].every((v) => Number.isFinite(v) && v > 0)) {
    throw new Error('bench/seo/pages.ts: --items, --creators, --requests, --seconds and --concurrency take positive numbers');
  }
  const { report } = await run(options);
  console.log(report);
  const suffix = options.items === 1_000_000 && options.creators === 50_000 ? '' : `-${Math.round(options.items / 1000)}k-items`;
  const file = resolve(RESULTS_DIR, `seo-pages-${new Date().toISOString().slice(0, 10)}${suffix}.md`);
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(file, report);
  process.stderr.write(`saved ${file}\n`);
}
