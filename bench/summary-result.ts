/**
 * The machine-readable side of every benchmark: each `bench/<name>/run.ts` ends by writing its goals and where it
 * stands on each to `bench/results/<name>.json`, which `npm run bench` (bench/run.ts) gathers into one table.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';

export const RESULTS_DIR = resolve(import.meta.dirname, 'results');

/** One goal of a benchmark: what it asks (`goal`), what this run measured, and whether that meets it (null: no goal, a number to watch). */
export interface BenchGoal {
  name: string;
  goal: string;
  measured: string;
  met: boolean | null;
}

export interface BenchResult {
  bench: string;
  /** ISO time the run ended: the runner ignores a result older than its own start of the bench. */
  finishedAt: string;
  /** The command-line options of the run (its size). */
  options: string[];
  goals: BenchGoal[];
}

export const resultFile = (bench: string) => resolve(RESULTS_DIR, `${bench}.json`);

/** Writes `bench/results/<bench>.json` with this run's goals; returns the file's path. */
export async function writeBenchResult(bench: string, goals: BenchGoal[], options = process.argv.slice(2)): Promise<string> {
  const result: BenchResult = { bench, finishedAt: new Date().toISOString(), options, goals };
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = resultFile(bench);
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

/** The p-th percentile (nearest rank) of some values, as the benchmarks report them. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
