import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransactionSql } from 'postgres';
import { asService } from '../db/context.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

/**
 * Module 006 under real concurrency: every call runs in its own transaction on its own connection, and a
 * barrier holds all of them until every transaction is open, so the calls really overlap in the database.
 */
let db: TestDatabase;
beforeAll(async () => { db = await createTestDatabase('jobs_concurrency', { max: 60 }); });
afterAll(async () => { await db?.drop(); });

async function newUser(): Promise<string> {
  const id = randomUUID();
  await asService(db.app, (tx) => tx`INSERT INTO users (id, email) VALUES (${id}, ${`${id}@example.com`})`);
  return id;
}

/** Runs `count` service_role transactions at once; each calls `work` only after all of them have begun. */
async function inParallel<T>(count: number, work: (tx: TransactionSql, i: number) => Promise<T>) {
  let begun = 0;
  let release!: () => void;
  const allBegun = new Promise<void>((resolve) => { release = resolve; });
  return Promise.allSettled(Array.from({ length: count }, (_, i) => asService(db.app, async (tx) => {
    await tx`SELECT 1`;  // the transaction holds its connection from here on
    if (++begun === count) release();
    await allBegun;
    return work(tx, i);
  })));
}

const fulfilled = <T>(results: PromiseSettledResult<T>[]) =>
  results.filter((r): r is PromiseFulfilledResult<T> => r.status === 'fulfilled').map((r) => r.value);
const rejected = (results: PromiseSettledResult<unknown>[]) =>
  results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as { code?: string });
const activeJobs = async (userId: string) => (await asService(db.app, (tx) => tx`
  SELECT count(*)::int AS n FROM job_queue WHERE user_id = ${userId} AND status IN ('pending', 'processing')`))[0]!.n as number;

describe('the per-user cap of 10 active jobs under concurrency (the original counted, then inserted)', () => {
  it('50 concurrent create_job calls with different params for one user create exactly 10 jobs; 40 get SV429', async () => {
    const user = await newUser();
    const results = await inParallel(50, async (tx, i) =>
      (await tx`SELECT create_job(${user}, 'sync_youtube', ${tx.json({ request: i })}) AS id`)[0]!.id as string);
    expect(new Set(fulfilled(results)).size).toBe(10);
    expect(rejected(results).map((e) => e.code)).toEqual(Array(40).fill('SV429'));
    expect(await activeJobs(user)).toBe(10);
  });

  it('keys the cap on the user: 3 users × 15 concurrent requests end with exactly 10 jobs each', async () => {
    const users = [await newUser(), await newUser(), await newUser()];
    const results = await inParallel(45, async (tx, i) =>
      (await tx`SELECT create_job(${users[i % 3]!}, 'ai_generate_tags', ${tx.json({ request: i })}) AS id`)[0]!.id as string);
    expect(fulfilled(results)).toHaveLength(30);
    for (const user of users) expect(await activeJobs(user)).toBe(10);
  });
});

describe('dedupe under concurrency', () => {
  it('50 concurrent find_or_create_job calls with equal params create one job: one caller sees created, all get its id', async () => {
    const user = await newUser();
    const results = await inParallel(50, async (tx) =>
      ({ ...(await tx`SELECT * FROM find_or_create_job(${user}, 'sync_instagram', '{"account": "same"}'::jsonb)`)[0]! }));
    const rows = fulfilled(results);
    expect(rows).toHaveLength(50);
    expect(new Set(rows.map((r) => r.job_id)).size).toBe(1);
    expect(rows.filter((r) => r.created)).toHaveLength(1);
    expect(await activeJobs(user)).toBe(1);
  });

  it('50 concurrent create_job calls with equal params (keys in any order) return one job id', async () => {
    const user = await newUser();
    const results = await inParallel(50, async (tx, i) => {
      const params = i % 2 ? { a: 1, b: [1, 2] } : { b: [1, 2], a: 1 };
      return (await tx`SELECT create_job(${user}, 'seo_submit', ${tx.json(params)}) AS id`)[0]!.id as string;
    });
    expect(rejected(results)).toEqual([]);
    expect(new Set(fulfilled(results)).size).toBe(1);
    expect(await activeJobs(user)).toBe(1);
  });
});

describe('start_job under concurrency (SQS delivers at least once; the claim makes it run once)', () => {
  it('10 jobs × 5 racing workers: exactly one start_job per job returns true, and that worker owns the job', async () => {
    const user = await newUser();
    const jobs: string[] = [];
    for (let i = 0; i < 10; i++) {
      jobs.push(await asService(db.app, async (tx) => (await tx`SELECT create_job(${user}, 'follower_sync', ${tx.json({ i })}) AS id`)[0]!.id));
    }
    const results = await inParallel(50, async (tx, i) => {
      const jobId = jobs[i % 10]!;
      const worker = `worker-${i}`;
      const [{ won }] = await tx`SELECT start_job(${jobId}, ${worker}) AS won` as unknown as [{ won: boolean }];
      return { jobId, worker, won };
    });
    const attempts = fulfilled(results);
    expect(attempts).toHaveLength(50);
    const winners = attempts.filter((a) => a.won);
    expect(winners.map((w) => w.jobId).sort()).toEqual([...jobs].sort());
    const owners = await asService(db.app, (tx) => tx`SELECT id, worker_id, status FROM job_queue WHERE id = ANY (${jobs})`);
    for (const owner of owners) {
      expect(owner.status).toBe('processing');
      expect(owner.worker_id).toBe(winners.find((w) => w.jobId === owner.id)!.worker);
    }
  });
});

describe('start_jobs under concurrency (a worker claims its SQS batch in one statement)', () => {
  it('20 jobs, 10 racing claimers (start_jobs over overlapping batches in any order, and start_job): each job is won once', async () => {
    const users = [await newUser(), await newUser()];  // 10 active jobs each: the cap
    const jobs: string[] = [];
    for (let i = 0; i < 20; i++) {
      jobs.push(await asService(db.app, async (tx) => (await tx`SELECT create_job(${users[i % 2]!}, 'follower_sync', ${tx.json({ batch: i })}) AS id`)[0]!.id));
    }
    const results = await inParallel(10, async (tx, i) => {
      const worker = `worker-${i}`;
      if (i % 5 === 4) {  // a single-job claimer among the batch claimers
        const [{ won }] = await tx`SELECT start_job(${jobs[i]!}, ${worker}) AS won` as unknown as [{ won: boolean }];
        return { worker, won: won ? [jobs[i]!] : [] };
      }
      const batch = Array.from({ length: 10 }, (_, k) => jobs[(i * 3 + k * (i % 2 ? 1 : 19)) % 20]!);  // forwards or backwards
      const rows = await tx`SELECT job_id FROM start_jobs(${batch}::uuid[], ${worker})`;
      return { worker, won: rows.map((r) => r.job_id as string) };
    });
    const claims = fulfilled(results);
    expect(claims).toHaveLength(10);
    const won = claims.flatMap((c) => c.won);
    expect(new Set(won).size).toBe(won.length);  // nobody won a job twice, no job had two winners
    const owners = await asService(db.app, (tx) => tx`SELECT id, worker_id, status FROM job_queue WHERE id = ANY (${jobs})`);
    for (const owner of owners) {
      const winner = claims.find((c) => c.won.includes(owner.id));
      expect(owner.status).toBe(winner ? 'processing' : 'pending');
      if (winner) expect(owner.worker_id).toBe(winner.worker);
    }
  });
});

describe('the outbox sweeper under concurrency', () => {
  it('4 concurrent claim_undispatched_jobs calls hand out 100 pending jobs once each', async () => {
    await asService(db.app, (tx) => tx`DELETE FROM job_queue`);
    await asService(db.app, (tx) => tx`
      INSERT INTO job_queue (job_type, job_type_id, params)
      SELECT 'auto_sync', k.job_type_id, jsonb_build_object('batch', n) FROM meta.job_kind k, generate_series(1, 100) n
       WHERE k.kind = 'auto_sync'`);
    const results = await inParallel(4, async (tx) =>
      (await tx`SELECT job_id FROM claim_undispatched_jobs(40)`).map((r) => r.job_id as string));
    const batches = fulfilled(results);
    const handedOut = batches.flat();
    expect(handedOut).toHaveLength(100);
    expect(new Set(handedOut).size).toBe(100);
    expect(batches.every((b) => b.length <= 40)).toBe(true);
  });
});
