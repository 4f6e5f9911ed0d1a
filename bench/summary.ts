/** The one table of `npm run bench`: every benchmark's goals and where each stands (bench/run.ts runs them). */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resultFile, type BenchResult } from './summary-result.ts';

/** How one benchmark's run went, and what it reported. */
export interface BenchRun {
  bench: string;
  options: string[];
  seconds: number;
  /** The process's exit code; null when it was killed (`timedOut` says whether the runner did it). */
  exitCode: number | null;
  timedOut?: boolean;
  /** Its result file, when it wrote one during this run. */
  result?: BenchResult;
}

/** The benchmarks in `dir` (each folder with a run.ts): those of `order` that exist, in its order, then any other by name. */
export async function discoverBenches(dir: string, order: readonly string[]): Promise<string[]> {
  const folders = (await readdir(dir, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'run.ts'))).map((entry) => entry.name);
  return [...order.filter((name) => folders.includes(name)), ...folders.filter((name) => !order.includes(name)).sort()];
}

/** The bench's result file if it was written at or after `since` (an older one is another run's). */
export async function readResult(bench: string, since: Date, file = resultFile(bench)): Promise<BenchResult | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  const result = JSON.parse(text) as BenchResult;
  return new Date(result.finishedAt) >= since ? result : undefined;
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
const status = (met: boolean | null) => (met === null ? 'no goal (watched)' : met ? 'met' : '**missed**');

function failure(run: BenchRun): string | undefined {
  if (run.timedOut) return `**stopped** after ${run.seconds.toFixed(0)} s (time limit)`;
  if (run.exitCode !== 0) return `**failed** (exit ${run.exitCode ?? 'by signal'})`;
  if (!run.result) return '**no result** written';
  if (run.result.goals.length === 0) return 'ran; reports no goal';
  return undefined;
}

/** One markdown table: a row per goal (goal, measured, met/missed), a row per benchmark that failed or reported none. */
export function summaryTable(runs: readonly BenchRun[]): string {
  const rows = runs.flatMap((run) => {
    const bench = `${run.bench} (${run.seconds.toFixed(0)} s)`;
    const problem = failure(run);
    // A run that failed after writing its result is still reported as failed: its numbers may be partial.
    const goals = run.exitCode === 0 ? run.result?.goals ?? [] : [];
    return [
      ...(problem ? [`| ${cell(bench)} | — | — | — | ${problem} |`] : []),
      ...goals.map((g, i) => `| ${i === 0 && !problem ? cell(bench) : ''} | ${cell(g.name)} | ${cell(g.goal)} | ${cell(g.measured)} | ${status(g.met)} |`),
    ];
  });
  const goals = runs.flatMap((run) => (run.exitCode === 0 ? run.result?.goals ?? [] : []));
  const count = (met: boolean | null) => goals.filter((g) => g.met === met).length;
  const failed = runs.filter((run) => failure(run)?.startsWith('**'));
  return [
    '| bench (wall) | what | goal | measured | status |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    `${count(true)} met, ${count(false)} missed, ${count(null)} without a goal` +
      (failed.length ? `; ${failed.length} benchmark(s) without a result: ${failed.map((run) => run.bench).join(', ')}` : '') + '.',
  ].join('\n');
}
