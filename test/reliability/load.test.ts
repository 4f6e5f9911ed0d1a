import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flatness, formatLoadReport, runLoad } from '../../bench/load/load.ts';
import { startTestApi, type TestApi } from '../api.ts';

/**
 * The bounded variant of `npm run bench:load` (LOAD_DURATION_MS, default 30 s; LOAD_CONCURRENCY, default 8): a mixed
 * workload from a separate process through the local gateway, with syncs and AI jobs running: 0 errors, p95 per route
 * printed, and the database's connections and the stack's memory flat from the first third of the run to the last.
 */
const DURATION_MS = Number(process.env.LOAD_DURATION_MS ?? 30_000);
const CONCURRENCY = Number(process.env.LOAD_CONCURRENCY ?? 8);

let api: TestApi;
beforeAll(async () => { api = await startTestApi('reliability_load'); });
afterAll(async () => { await api?.stop(); });

describe('a mixed workload through the local gateway', () => {
  it(`answers every request and stays flat (${DURATION_MS} ms, ${CONCURRENCY} concurrent)`, async () => {
    const report = await runLoad({ url: api.url, owner: api.db.owner, durationMs: DURATION_MS, concurrency: CONCURRENCY, creators: 4, items: 120 });
    console.log(`load: ${DURATION_MS} ms, ${CONCURRENCY} concurrent, ${report.samples.length} samples\n${formatLoadReport(report, DURATION_MS)}`);
    expect(report.requests).toBeGreaterThan(0);
    expect(Object.values(report.routes).flatMap((r) => r.samples), 'no errors').toEqual([]);
    expect(report.errors).toBe(0);
    expect(flatness(report)).toEqual([]);
  }, DURATION_MS + 120_000);
});
