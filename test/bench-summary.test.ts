import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverBenches, readResult, summaryTable, type BenchRun } from '../bench/summary.ts';
import type { BenchResult } from '../bench/summary-result.ts';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'sv-bench-summary-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

const result = (bench: string, goals: BenchResult['goals'], finishedAt = new Date().toISOString()): BenchResult =>
  ({ bench, finishedAt, options: ['--quick'], goals });

describe('bench summary: one markdown table of every benchmark\'s goals', () => {
  it('lists each goal with its target, measurement and met / missed / no goal, the bench and its wall time on its first row', () => {
    const runs: BenchRun[] = [
      { bench: 'sync', options: [], seconds: 61.4, exitCode: 0, result: result('sync', [
        { name: 'sync ÷ COPY rows/s, 2,000 items', goal: '≥ 0.7', measured: '0.81', met: true },
        { name: 'quota units ÷ minimum', goal: '≤ 1.1', measured: '1.02', met: true },
      ]) },
      { bench: 'ai', options: [], seconds: 80, exitCode: 0, result: result('ai', [
        { name: 'overhead p95 | single-item job', goal: '≤ 10 ms', measured: '12.3 ms', met: false },
        { name: 'offline bulk tagging', goal: '—', measured: '410 items/s', met: null },
      ]) },
    ];

    const lines = summaryTable(runs).split('\n');

    expect(lines.slice(0, 6)).toEqual([
      '| bench (wall) | what | goal | measured | status |',
      '|---|---|---|---|---|',
      '| sync (61 s) | sync ÷ COPY rows/s, 2,000 items | ≥ 0.7 | 0.81 | met |',
      '|  | quota units ÷ minimum | ≤ 1.1 | 1.02 | met |',
      '| ai (80 s) | overhead p95 \\| single-item job | ≤ 10 ms | 12.3 ms | **missed** |',
      '|  | offline bulk tagging | — | 410 items/s | no goal (watched) |',
    ]);
    expect(lines.at(-1)).toBe('2 met, 1 missed, 1 without a goal.');
  });

  it('reports a benchmark that failed, was stopped or wrote no result, and never the goals of a failed run', () => {
    const partial = result('jobs', [{ name: 'drain', goal: '≥ 2,674/s', measured: '700/s', met: false }]);
    const runs: BenchRun[] = [
      { bench: 'jobs', options: [], seconds: 12, exitCode: 1, result: partial },
      { bench: 'discovery', options: [], seconds: 600, exitCode: null, timedOut: true },
      { bench: 'seo', options: [], seconds: 3, exitCode: 0 },
      { bench: 'prepare', options: [], seconds: 30, exitCode: 0, result: result('prepare', []) },
    ];

    const table = summaryTable(runs);

    expect(table).toContain('| jobs (12 s) | — | — | — | **failed** (exit 1) |');
    expect(table).toContain('| discovery (600 s) | — | — | — | **stopped** after 600 s (time limit) |');
    expect(table).toContain('| seo (3 s) | — | — | — | **no result** written |');
    expect(table).toContain('| prepare (30 s) | — | — | — | ran; reports no goal |');
    expect(table).not.toContain('700/s');
    expect(table.split('\n').at(-1)).toBe('0 met, 0 missed, 0 without a goal; 3 benchmark(s) without a result: jobs, discovery, seo.');
  });

  it('reads a result written during this run, and ignores an older one or none', async () => {
    const since = new Date();
    const fresh = join(dir, 'fresh.json');
    const stale = join(dir, 'stale.json');
    await writeFile(fresh, JSON.stringify(result('sync', [{ name: 'x', goal: '≥ 1', measured: '2', met: true }])));
    await writeFile(stale, JSON.stringify(result('sync', [], new Date(since.getTime() - 60_000).toISOString())));

    expect((await readResult('sync', since, fresh))?.goals).toEqual([{ name: 'x', goal: '≥ 1', measured: '2', met: true }]);
    expect(await readResult('sync', since, stale)).toBeUndefined();
    expect(await readResult('sync', since, join(dir, 'missing.json'))).toBeUndefined();
  });

  it('finds every folder with a run.ts: the known ones in order (missing ones skipped), then new ones by name', async () => {
    const benches = join(dir, 'bench');
    for (const [name, hasRun] of [['jobs', true], ['discovery', true], ['seo', true], ['load', true], ['results', false]] as const) {
      await mkdir(join(benches, name), { recursive: true });
      if (hasRun) await writeFile(join(benches, name, 'run.ts'), '');
    }
    await writeFile(join(benches, 'run.ts'), '');

    expect(await discoverBenches(benches, ['discovery', 'jobs', 'prepare'])).toEqual(['discovery', 'jobs', 'load', 'seo']);
  });
});
