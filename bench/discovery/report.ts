import type { CpuPerRequest } from './cpu.ts';
import type { Measurement } from './measure.ts';

/** One benchmarked query: the gateway measurement, the same SQL raw as anon in a transaction, and raw without RLS. */
export interface Row {
  name: string;
  responseBytes: number;
  gateway: Measurement;
  rawAnon: Measurement;
  rawNoRls?: Measurement;
  /** FIELD-NOTES best case at this concurrency (raw SQL, prepared, no RLS, no transaction). */
  reference: string;
  /** CPU per request by process, where it could be read (suite.ts, cpu.ts). */
  cpu?: { gateway: CpuPerRequest; rawAnon: CpuPerRequest };
}

const ms = (value: number) => (Number.isFinite(value) ? (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)) : '—');
const triple = (m: Measurement) => `${ms(m.p50Ms)} / ${ms(m.p95Ms)} / ${ms(m.p99Ms)} [${ms(m.minMs)}]`;
const qps = (m: Measurement) => Math.round(m.qps).toLocaleString('en-US');
const errors = (m: Measurement) => (m.errors ? ` ⚠${m.errors} err` : '');

/** A markdown table for one concurrency level. */
export function table(concurrency: number, rows: Row[]): string {
  const lines = [
    `### ${concurrency} concurrent client${concurrency === 1 ? '' : 's'} (latency ms: p50 / p95 / p99 [min])`,
    '',
    `| query | gateway (HTTP) | q/s | KB | raw SQL as anon (tx) | q/s | gw/raw p95${concurrency === 1 ? ' (not a goal)' : ''} | ` +
      'gw − raw p50 / p95 | raw, no RLS (bare) | FIELD-NOTES best case |',
    '|---|---|--:|--:|---|--:|--:|--:|---|---|',
  ];
  for (const r of rows) {
    const ratio = r.gateway.p95Ms / r.rawAnon.p95Ms;
    const missed = concurrency > 1 && ratio > 1.5;
    lines.push(`| ${r.name} | ${triple(r.gateway)}${errors(r.gateway)} | ${qps(r.gateway)} | ${(r.responseBytes / 1024).toFixed(1)} | ` +
      `${triple(r.rawAnon)}${errors(r.rawAnon)} | ` +
      `${qps(r.rawAnon)} | ${Number.isFinite(ratio) ? `${ratio.toFixed(2)}×${missed ? ' ✗' : ''}` : '—'} | ` +
      `${ms(r.gateway.p50Ms - r.rawAnon.p50Ms)} / ${ms(r.gateway.p95Ms - r.rawAnon.p95Ms)} | ` +
      `${r.rawNoRls ? `${triple(r.rawNoRls)}${errors(r.rawNoRls)}` : '—'} | ${r.reference} |`);
  }
  return lines.join('\n');
}

const us = (value: number | undefined) => (value === undefined ? '—' : Math.round(value).toLocaleString('en-US'));
const sum = (...values: (number | undefined)[]) => (values.every((v) => v !== undefined) ? values.reduce((a, b) => a! + b!, 0) : undefined);

/**
 * CPU per request by process, for the rows that have it (an empty string when none does): what each path costs the
 * machine, steadier from run to run than its latency, and where the gateway's extra goes.
 */
export function cpuTable(concurrency: number, rows: Row[]): string {
  const measured = rows.filter((r) => r.cpu);
  if (measured.length === 0) return '';
  const lines = [
    `CPU per request at ${concurrency} client${concurrency === 1 ? '' : 's'} (µs, warm-up requests included; /proc clock ticks of 10 ms): ` +
      'gateway = the local stack (HTTP server and Lambda handlers) + the HTTP load process + PostgreSQL; raw = its client in the bench process + PostgreSQL',
    '',
    '| query | gateway: stack / load / PostgreSQL | total | raw as anon: client / PostgreSQL | total | gw/raw total |',
    '|---|---|--:|---|--:|--:|',
  ];
  for (const r of measured) {
    const { gateway: g, rawAnon: a } = r.cpu!;
    const gTotal = sum(g.benchUs, g.loadUs, g.postgresUs);
    const aTotal = sum(a.benchUs, a.postgresUs);
    lines.push(`| ${r.name} | ${us(g.benchUs)} / ${us(g.loadUs)} / ${us(g.postgresUs)} | ${us(gTotal)} | ${us(a.benchUs)} / ${us(a.postgresUs)} | ` +
      `${us(aTotal)} | ${gTotal !== undefined && aTotal ? `${(gTotal / aTotal).toFixed(2)}×` : '—'} |`);
  }
  return lines.join('\n');
}

/** Errors seen, so a table of fast failures is never mistaken for fast answers. */
export function errorNotes(rows: Row[]): string[] {
  return rows.flatMap((r) => (['gateway', 'rawAnon', 'rawNoRls'] as const)
    .filter((k) => r[k]?.errors)
    .map((k) => `- ${r.name} / ${k}: ${r[k]!.errors} errors, first: ${r[k]!.firstError}`));
}

/** The layer-by-layer table: one row per layer, one column per concurrency level. */
export function layerTable(title: string, byConcurrency: { concurrency: number; layers: { name: string; measurement: Measurement }[] }[]): string {
  const names = byConcurrency[0]?.layers.map((l) => l.name) ?? [];
  return [
    `### ${title} (latency ms: p50 / p95 / p99 [min]; q/s)`, '',
    `| layer | ${byConcurrency.map((b) => `${b.concurrency} client${b.concurrency === 1 ? '' : 's'}`).join(' | ')} |`,
    `|---|${byConcurrency.map(() => '---|').join('')}`,
    ...names.map((name, i) => `| ${name} | ${byConcurrency.map((b) => {
      const m = b.layers[i]!.measurement;
      return `${triple(m)}${errors(m)}; ${qps(m)}`;
    }).join(' | ')} |`),
  ].join('\n');
}
