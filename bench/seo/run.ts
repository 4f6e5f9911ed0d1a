/**
 * `npm run bench:seo` (issue 14, point 10): the submissions benchmark (bench/seo/submissions.ts: `--urls` changed URLs →
 * requests per engine vs the fewest each API allows), then the pages benchmark when bench/seo/pages.ts is there (its
 * `run`). Prints the tables and saves them to bench/results/seo-<date>.md.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runSubmissions, submissionsReport } from './submissions.ts';

const { values: args } = parseArgs({ options: { urls: { type: 'string', default: '10000' } }, strict: false });
const urls = Number(args.urls);
if (!Number.isInteger(urls) || urls < 1) throw new Error('bench:seo: --urls takes a positive integer');
const log = (line: string) => process.stderr.write(`${line}\n`);

const sections = [submissionsReport(await runSubmissions({ urls, log }))];
const pages = resolve(import.meta.dirname, 'pages.ts');
if (existsSync(pages)) {
  const { run } = (await import(pages)) as { run: () => Promise<string> };
  sections.push(await run());
}
const date = new Date().toISOString().slice(0, 10);
const text = [`# bench:seo, ${date}`, '', `Machine: ${cpus().length} cores, load ${loadavg().map((n) => n.toFixed(1)).join(' ')}; Node ${process.version}.`, '',
  ...sections.flatMap((section) => [section, ''])].join('\n');
process.stdout.write(text);
const dir = resolve(import.meta.dirname, '../results');
await mkdir(dir, { recursive: true });
await writeFile(resolve(dir, `seo-${date}.md`), text);
log(`bench:seo: saved bench/results/seo-${date}.md`);
