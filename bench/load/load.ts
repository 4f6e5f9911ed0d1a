import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import type { Sql } from 'postgres';
import type { LoadConfig, RouteStats } from './generator.ts';
import { loadWorld } from './world.ts';

export interface LoadOptions {
  /** The gateway of a running stack whose Lambdas (and their database pool) live in this process. */
  url: string;
  /** The database owner, for the world's fixtures and pg_stat_activity. */
  owner: Sql;
  durationMs: number;
  concurrency: number;
  creators: number;
  items: number;
}

interface Sample { atMs: number; connections: number; rssMb: number; heapMb: number }
export interface ThirdAverages { connections: number; maxConnections: number; rssMb: number; heapMb: number }
export interface LoadReport {
  routes: Record<string, RouteStats>;
  requests: number;
  errors: number;
  samples: Sample[];
  first: ThirdAverages;
  last: ThirdAverages;
}

const SAMPLE_EVERY_MS = 1_000;
/** The first fifth of a run (at least 3 s) warms the stack up and is left out of the flatness figures. */
export const warmUpMs = (durationMs: number) => Math.max(3_000, durationMs / 5);
const GENERATOR = resolve(import.meta.dirname, 'generator.ts');

function averages(samples: Sample[]): ThirdAverages {
  const mean = (pick: (s: Sample) => number) => samples.reduce((sum, s) => sum + pick(s), 0) / Math.max(samples.length, 1);
  return { connections: mean((s) => s.connections), maxConnections: Math.max(...samples.map((s) => s.connections)), rssMb: mean((s) => s.rssMb), heapMb: mean((s) => s.heapMb) };
}

/**
 * A mixed workload against the stack from a separate process (the generator), while this process, where the stack's
 * Lambdas run, samples the database's connections (pg_stat_activity) and its own memory every second: the first and
 * last thirds of the run are compared for flatness.
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const users = await loadWorld(options.url, options.owner, options.creators, options.items);
  const config: LoadConfig = { url: options.url, durationMs: options.durationMs, concurrency: options.concurrency, users };
  const child = spawn(process.execPath, ['--import', 'tsx', GENERATOR, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exited = new Promise<number | null>((done) => child.once('exit', done));
  const samples: Sample[] = [];
  const started = Date.now();
  let running = true;
  void exited.then(() => { running = false; });
  while (running) {
    const [row] = await options.owner`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()`;
    const memory = process.memoryUsage();
    samples.push({ atMs: Date.now() - started, connections: row!.n as number, rssMb: memory.rss / 2 ** 20, heapMb: memory.heapUsed / 2 ** 20 });
    await Promise.race([exited, new Promise((resume) => setTimeout(resume, SAMPLE_EVERY_MS))]);
  }
  if ((await exited) !== 0) throw new Error(`the load generator failed (exit ${await exited})`);
  const routes = JSON.parse(output.trim().split('\n').at(-1)!) as Record<string, RouteStats>;
  // Cold starts (each Lambda's first import, the AI engine's models) are not growth: the thirds start after the warm-up.
  const measured = samples.filter((s) => s.atMs >= warmUpMs(options.durationMs));
  const third = Math.max(1, Math.floor(measured.length / 3));
  return {
    routes,
    requests: Object.values(routes).reduce((sum, r) => sum + r.count, 0),
    errors: Object.values(routes).reduce((sum, r) => sum + r.errors, 0),
    samples,
    first: averages(measured.slice(0, third)),
    last: averages(measured.slice(-third)),
  };
}

/** The report as a markdown table per route, then the flatness figures. */
export function formatLoadReport(report: LoadReport, durationMs: number): string {
  const f = (n: number) => n.toFixed(1);
  const lines = [
    `| route | requests | errors | p50 ms | p95 ms | max ms |`, `|---|---|---|---|---|---|`,
    ...Object.entries(report.routes).map(([route, r]) => `| ${route} | ${r.count} | ${r.errors} | ${f(r.p50)} | ${f(r.p95)} | ${f(r.max)} |`),
    `| all | ${report.requests} (${f(report.requests / (durationMs / 1000))}/s) | ${report.errors} | | | |`,
    '',
    `after ${(warmUpMs(durationMs) / 1000).toFixed(0)} s of warm-up; database connections (pg_stat_activity), first vs last third: mean ${f(report.first.connections)} vs ${f(report.last.connections)}, ` +
      `max ${report.first.maxConnections} vs ${report.last.maxConnections}`,
    `stack process memory, first vs last third: rss ${f(report.first.rssMb)} vs ${f(report.last.rssMb)} MB, heap ${f(report.first.heapMb)} vs ${f(report.last.heapMb)} MB`,
    ...Object.entries(report.routes).flatMap(([route, r]) => r.samples.map((s) => `error ${route}: ${s}`)),
  ];
  return lines.join('\n');
}

/**
 * Flat enough: connections no higher at the end than at the start (+2); memory within 30 % + 40 MB of the start (rss),
 * 50 % + 50 MB (heap: sampled without forcing a collection, so it saws between collections).
 */
export function flatness(report: LoadReport): string[] {
  const problems: string[] = [];
  if (report.last.maxConnections > report.first.maxConnections + 2) problems.push(`connections grew: max ${report.first.maxConnections} → ${report.last.maxConnections}`);
  if (report.last.rssMb > report.first.rssMb * 1.3 + 40) problems.push(`rss grew: ${report.first.rssMb.toFixed(0)} → ${report.last.rssMb.toFixed(0)} MB`);
  if (report.last.heapMb > report.first.heapMb * 1.5 + 50) problems.push(`heap grew: ${report.first.heapMb.toFixed(0)} → ${report.last.heapMb.toFixed(0)} MB`);
  return problems;
}
