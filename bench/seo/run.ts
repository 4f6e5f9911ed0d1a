/**
 * `npm run bench:seo` (issue 14, point 10): the submissions benchmark (bench/seo/submissions.ts: `--urls` changed URLs →
 * requests per engine vs the fewest each API allows), then the creator page through the gateway vs its SQL raw
 * (bench/seo/pages.ts, 1M items; `--data-dir` keeps and reuses them). Prints the tables, saves them to
 * bench/results/seo-<date>.md and the goals to bench/results/seo.json. `--quick`: 1,000 URLs and 100,000 items.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeBenchResult } from '../summary-result.ts';
import { GATEWAY_OVERHEAD_GOAL, run as runPages } from './pages.ts';
import { runSubmissions, submissionsReport } from './submissions.ts';

const { values: args } = parseArgs({
  options: { urls: { type: 'string' }, quick: { type: 'boolean', default: false }, 'data-dir': { type: 'string' } }, strict: false,
});
const urls = Number(args.urls ?? (args.quick ? 1_000 : 10_000));
if (!Number.isInteger(urls) || urls < 1) throw new Error('bench:seo: --urls takes a positive integer');
const log = (line: string) => process.stderr.write(`${line}\n`);

// The submissions' local stack points the process's environment at its own database, stopped when it ends.
const environment = { ...process.env };
const submissions = await runSubmissions({ urls, log });
for (const key of Object.keys(process.env)) if (!(key in environment)) delete process.env[key];
Object.assign(process.env, environment);
const items = args.quick ? 100_000 : 1_000_000;
const pages = await runPages({
  items, creators: items / 20, dataDir: typeof args['data-dir'] === 'string' ? args['data-dir'] : undefined,
  requests: 2_000, seconds: args.quick ? 1 : 3, concurrency: [1, 8], seed: 42, log,
});
const sections = [submissionsReport(submissions), pages.report];
await writeBenchResult('seo', [
  ...submissions.engines.map((e) => ({
    name: `${e.engine}: requests for ${urls.toLocaleString('en-US')} changed URLs`, goal: `the API's minimum, ${e.minimum}`,
    measured: String(e.requests), met: e.requests <= e.minimum,
  })),
  { name: `creator page p95 through the gateway ÷ the same SQL raw, 8 clients, ${items.toLocaleString('en-US')} items`,
    goal: `≤ ${GATEWAY_OVERHEAD_GOAL}×`, measured: pages.met ? 'within' : 'over (see the report)', met: pages.met },
]);
const date = new Date().toISOString().slice(0, 10);
const text = [`# bench:seo, ${date}`, '', `Machine: ${cpus().length} cores, load ${loadavg().map((n) => n.toFixed(1)).join(' ')}; Node ${process.version}.`, '',
  ...sections.flatMap((section) => [section, ''])].join('\n');
process.stdout.write(text);
const dir = resolve(import.meta.dirname, '../results');
await mkdir(dir, { recursive: true });
await writeFile(resolve(dir, `seo-${date}.md`), text);
log(`bench:seo: saved bench/results/seo-${date}.md`);
