import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobDispatcher } from '../../functions/jobs/dispatcher.ts';
import { enqueueJob } from '../../functions/jobs/enqueue.ts';
import { startTestApi, waitFor, type TestApi } from '../api.ts';
import { countPostgresJsNullSocketCrashes } from './faults/known-defects.ts';
import { driveToFinal, installJobLedger, jobOutcomes } from './faults/ledger.ts';
import { startOwnPostgres } from './faults/own-postgres.ts';
import { contentCounts, syncingCreators } from './faults/world.ts';

/**
 * PostgreSQL restarted while 1,000 jobs are in flight (RELIABILITY_JOBS, RELIABILITY_PG_DOWN_MS): maintenance jobs
 * and full syncs, all due at one moment, running through SQS and the workers when the server goes down. Counted
 * afterwards: every job final, each completed exactly once, each account's content exactly the provider's.
 */
const JOBS = Number(process.env.RELIABILITY_JOBS ?? 1_000);
const DOWN_MS = Number(process.env.RELIABILITY_PG_DOWN_MS ?? 3_000);
const STOP_WAIT_MS = 10_000;

let api: TestApi;
let own: Awaited<ReturnType<typeof startOwnPostgres>>;
let crashes: ReturnType<typeof countPostgresJsNullSocketCrashes>;
beforeAll(async () => {
  crashes = countPostgresJsNullSocketCrashes();
  own = await startOwnPostgres();
  await installJobLedger(own.db.owner);
  api = await startTestApi('reliability_pg_restart', { database: own.db, visibilityTimeoutSeconds: 2 });
}, 120_000);
afterAll(async () => {
  // Bounded all the same: a worker invocation that hung here would otherwise hang the suite (in AWS its timeout ends it).
  await Promise.race([api?.stop(), new Promise((resume) => setTimeout(resume, STOP_WAIT_MS))]);
  await own?.stop();
  crashes?.restore();
}, 60_000);

describe('PostgreSQL restarted while jobs are in flight', () => {
  it(`loses no job and duplicates nothing (${JOBS} jobs, down ${DOWN_MS} ms)`, async () => {
    const creators = await syncingCreators(api, 'youtube', 3, 400);
    // Every job is due at one moment, after all are created and sent (SQS holds them back until then).
    const dueAt = new Date(Date.now() + 8_000 + JOBS * 10);
    const syncJobs = await Promise.all(creators.map(async (c) =>
      (await api.request('POST', '/sync-youtube', { token: c.token, body: { full: true } })).body.job_id as string));
    const maintenance: string[] = [];
    for (let i = 0; i < JOBS - syncJobs.length; i += 25) {
      const batch = Array.from({ length: Math.min(25, JOBS - syncJobs.length - i) }, (_, k) => i + k);
      maintenance.push(...await Promise.all(batch.map(async (n) => (await enqueueJob(api.db.app, jobDispatcher(),
        { userId: null, kind: 'quota_reset', params: { reliability: n }, scheduledFor: dueAt })).jobId)));
    }
    const ids = [...syncJobs, ...maintenance];
    expect(new Set(ids).size).toBe(JOBS);
    const createdMs = Date.now() - (dueAt.getTime() - 8_000 - JOBS * 10);

    const inFlight = await waitFor(async () => {
      const [row] = await api.db.owner`
        SELECT count(*) FILTER (WHERE status = 'completed')::int AS done, count(*) FILTER (WHERE status = 'processing')::int AS running
        FROM job_queue WHERE id = ANY (${ids}::uuid[])`;
      return row!.done >= 50 && row as { done: number; running: number };
    }, 60_000);
    await own.restart(DOWN_MS);
    const recovery = await driveToFinal(api, ids, { timeoutMs: 240_000 });

    const outcomes = await jobOutcomes(api.db.owner, ids);
    const counts = await contentCounts(api, creators);
    console.log(`postgres restart: ${JOBS} jobs created in ${createdMs} ms, down ${DOWN_MS} ms with ${inFlight.done} completed and ${inFlight.running} running; ` +
      `all final ${recovery.elapsedMs} ms after it was back (${recovery.clockAdvances} recovery rounds of stuck detection, retries and sweep); ` +
      `${outcomes.filter((o) => o.starts > 1).length} jobs started more than once, ${outcomes.filter((o) => o.completions > 1).length} completed more than once; ` +
      `content rows/distinct/expected per account ${counts.map((c) => `${c.rows}/${c.distinct}/${c.expected}`).join(', ')}; ` +
      `postgres.js null-socket crashes: ${crashes.count()}`);
    expect(crashes.count(), 'postgres.js null-socket crashes (patches/postgres+3.4.9.patch)').toBe(0);
    expect(outcomes.filter((o) => o.status !== 'completed'), 'every job completed').toEqual([]);
    expect(outcomes.filter((o) => o.completions !== 1), 'each completed once').toEqual([]);
    for (const count of counts) expect(count).toEqual({ rows: count.expected, distinct: count.expected, expected: count.expected });
  }, 300_000);
});
