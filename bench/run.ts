/**
 * `npm run bench`: every benchmark — each folder of bench/ with a run.ts — one after another, at a size that fits
 * about 10 minutes on 2 cores in all, then one markdown table of their goals and where each stands, printed and saved
 * to bench/results/summary.md. Each benchmark writes its goals to bench/results/<name>.json (summary-result.ts).
 *
 *   --only a,b          run only these benchmarks
 *   --timeout-minutes N stop a benchmark that runs longer (default 10)
 *
 * A benchmark's own output goes to stderr; stdout carries the table alone.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { discoverBenches, readResult, summaryTable, type BenchRun } from './summary.ts';
import { RESULTS_DIR } from './summary-result.ts';

/**
 * The summary's size of each benchmark: together about 6 minutes on 2 cores shared with other work (1-minute load
 * average 6–8). A benchmark not listed runs with `--quick`, which it must accept (with a size that fits ~2 minutes).
 */
const SUMMARY_OPTIONS: Record<string, string[]> = {
  discovery: ['--items', '100000', '--creators', '5000', '--requests', '600', '--seconds', '1'],
  jobs: ['--quick', '--no-diagnose', '--phase-seconds', '60'],
  prepare: ['--items', '20000', '--creators', '1000', '--rounds', '3', '--requests', '500', '--seconds', '1'],
  sync: ['--items', '5000', '--repeat', '1'],
  ai: ['--items', '2000', '--corpus-items', '8000', '--calls', '100', '--warmup', '20'],
  'ai-providers': [],
};
const DEFAULT_OPTIONS = ['--quick'];
const KILL_GRACE_MS = 10_000;

const { values: args } = parseArgs({ options: { only: { type: 'string' }, 'timeout-minutes': { type: 'string', default: '10' } } });
const timeoutMs = Number(args['timeout-minutes']) * 60_000;
if (!(timeoutMs > 0)) throw new Error('bench: --timeout-minutes takes a positive number');
const log = (line: string) => process.stderr.write(`${line}\n`);

/** Runs one benchmark in its own Node (tsx as the loader, as its npm script does); its stdout and stderr go to our stderr. */
function runBench(bench: string, options: string[]): Promise<BenchRun> {
  const startedAt = new Date();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, bench, 'run.ts'), ...options], { stdio: ['ignore', 2, 2] });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      log(`bench: ${bench} still running after ${timeoutMs / 60_000} min: stopping it`);
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS).unref();
    }, timeoutMs);
    child.on('error', fail);
    child.on('exit', (exitCode) => {
      clearTimeout(timer);
      const seconds = (Date.now() - startedAt.getTime()) / 1000;
      readResult(bench, startedAt).then((result) => done({ bench, options, seconds, exitCode, timedOut, ...(result ? { result } : {}) }), fail);
    });
  });
}

const only = args.only?.split(',');
const benches = (await discoverBenches(import.meta.dirname, Object.keys(SUMMARY_OPTIONS))).filter((name) => !only || only.includes(name));
const startedAt = performance.now();
const loadBefore = loadavg()[0]!;
const runs: BenchRun[] = [];
for (const bench of benches) {
  const options = SUMMARY_OPTIONS[bench] ?? DEFAULT_OPTIONS;
  log(`\n=== bench: ${bench} ${options.join(' ')}`);
  runs.push(await runBench(bench, options));
}
const minutes = (performance.now() - startedAt) / 60_000;
const summary = [
  `# Benchmarks: goals and where each stands, ${new Date().toISOString().slice(0, 10)}`, '',
  `\`npm run bench\`: ${runs.length} benchmarks in ${minutes.toFixed(1)} min on ${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), ` +
    `Node ${process.version}; 1-minute load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after. Sizes are the summary's ` +
    '(bench/run.ts), smaller than each benchmark\'s default: latencies and rates are noisier, and with other work on the machine inflated.', '',
  ...runs.map((run) => `- ${run.bench}: ${run.options.length ? `\`${run.options.join(' ')}\`` : 'its defaults'}`), '',
  summaryTable(runs), '',
].join('\n');
console.log(summary);
await writeFile(resolve(RESULTS_DIR, 'summary.md'), summary);
log(`saved ${resolve(RESULTS_DIR, 'summary.md')}`);
process.exitCode = runs.every((run) => run.exitCode === 0 && run.result) ? 0 : 1;
