import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransactionSql } from 'postgres';
import { asAnon, asService, asUser } from '../db/context.ts';
import { claimsFor, createTestDatabase, type TestDatabase } from './db.ts';

/** Module 006's job queue against real PostgreSQL: the seed's statements, every function, the security rules. */
let db: TestDatabase;
beforeAll(async () => { db = await createTestDatabase('jobs_db'); });
afterAll(async () => { await db?.drop(); });

const service = <T>(work: (tx: TransactionSql) => Promise<T>) => asService(db.app, work);

async function newUser(): Promise<string> {
  const id = randomUUID();
  await service((tx) => tx`INSERT INTO users (id, email) VALUES (${id}, ${`${id}@example.com`})`);
  return id;
}

const createJob = (userId: string | null, kind: string, params: object = {}, priority: number | null = null) =>
  service(async (tx) => (await tx`SELECT create_job(${userId}, ${kind}, ${tx.json(params as never)}, ${priority}) AS id`)[0]!.id as string);
const job = (id: string) => service(async (tx) => (await tx`SELECT * FROM job_queue WHERE id = ${id}`)[0]!);
const startJob = (id: string, worker = 'worker-1') =>
  service(async (tx) => (await tx`SELECT start_job(${id}, ${worker}) AS ok`)[0]!.ok as boolean);
const failJob = (id: string, error = 'boom', retryable = true) =>
  service(async (tx) => (await tx`SELECT fail_job(${id}, ${error}, ${retryable}) AS ok`)[0]!.ok as boolean);
const completeJob = (id: string, result: object = { ok: true }) =>
  service(async (tx) => (await tx`SELECT complete_job(${id}, ${tx.json(result as never)}) AS ok`)[0]!.ok as boolean);
/** Runs a schedule-type function; they sweep the whole queue, so those tests start from an empty queue. */
const sweep = <T = number>(query: string) => service(async (tx) => Object.values((await tx.unsafe(query))[0]!)[0] as T);
const emptyQueue = () => service((tx) => tx`DELETE FROM job_queue`);
/** Moves a job's timestamps into the past (a fixture for time-based rules). */
const age = (id: string, column: string, by: string) =>
  service((tx) => tx.unsafe(`UPDATE job_queue SET ${column} = now() - $2::interval WHERE id = $1`, [id, by]));

describe('the seed’s module 006 Testing SQL, verbatim as service_role', () => {
  // Statements 1–11 of "Step 7: Apply Module 006", exactly as the seed gives them, each in its own transaction.
  const seed = [
    `SELECT create_job(
    (SELECT id FROM users WHERE email = 'test@example.com'),
    'sync_youtube',
    '{"social_account_id": "123e4567-e89b-12d3-a456-426614174000"}'::jsonb,
    5 -- priority
)`,
    `SELECT * FROM get_user_jobs(
    (SELECT id FROM users WHERE email = 'test@example.com'),
    NULL, -- all statuses
    NULL, -- all types
    10,   -- limit
    0     -- offset
)`,
    `SELECT * FROM find_or_create_job(
    (SELECT id FROM users WHERE email = 'test@example.com'),
    'sync_youtube',
    '{"social_account_id": "123e4567-e89b-12d3-a456-426614174000"}'::jsonb
)`,
    `SELECT start_job(
    (SELECT id FROM job_queue WHERE status = 'pending' LIMIT 1),
    'edge-function-xyz'
)`,
    `SELECT update_job_progress(
    (SELECT id FROM job_queue WHERE status = 'processing' LIMIT 1),
    50,
    'Synced 50 of 100 videos'
)`,
    `SELECT complete_job(
    (SELECT id FROM job_queue WHERE status = 'processing' LIMIT 1),
    '{"synced_count": 100, "new_items": 10}'::jsonb
)`,
    `SELECT * FROM get_cached_job_result(
    (SELECT id FROM users WHERE email = 'test@example.com'),
    'sync_youtube',
    '{"social_account_id": "123e4567-e89b-12d3-a456-426614174000"}'::jsonb,
    INTERVAL '1 hour'
)`,
    `SELECT log_stripe_webhook_event(
    'evt_test_123',
    'customer.subscription.created',
    '{"id": "sub_123", "customer": "cus_456"}'::jsonb
)`,
    `SELECT * FROM stripe_webhook_events ORDER BY created_at DESC LIMIT 5`,
    `SELECT cache_stripe_data(
    'stripe:product:prod_test',
    '{"id": "prod_test", "name": "Premium Plan"}'::jsonb,
    3600 -- 1 hour TTL
)`,
    `SELECT get_cached_stripe_data('stripe:product:prod_test')`,
    `SELECT * FROM get_job_queue_stats(
    (SELECT id FROM users WHERE email = 'test@example.com')
)`,
  ];

  it('creates, dedupes, runs, completes and caches a job, logs a webhook, caches Stripe data and reports stats', async () => {
    await emptyQueue();
    await service((tx) => tx`INSERT INTO users (email) VALUES ('test@example.com')`);
    const run = (i: number) => service((tx) => tx.unsafe(seed[i]!));

    const [created] = await run(0);
    const jobId = created!.create_job as string;
    expect(jobId).toMatch(/^[0-9a-f-]{36}$/);

    const jobs = await run(1);
    expect(jobs.map((j) => [j.id, j.job_type, j.job_category, j.status, j.priority]))
      .toEqual([[jobId, 'sync_youtube', 'platform_sync', 'pending', 5]]);

    // "Call create_job again with same params → should dedupe"
    expect([...await run(2)].map((r) => ({ ...r }))).toEqual([{ job_id: jobId, created: false, status: 'pending' }]);
    expect((await run(3))[0]!.start_job).toBe(true);
    expect((await run(4))[0]!.update_job_progress).toBe(true);
    expect(await job(jobId)).toMatchObject({ progress: 50, progress_message: 'Synced 50 of 100 videos', worker_id: 'edge-function-xyz' });
    expect((await run(5))[0]!.complete_job).toBe(true);

    // "Should return cached result"
    const cached = await run(6);
    expect(cached.map((r) => [r.job_id, r.result])).toEqual([[jobId, { synced_count: 100, new_items: 10 }]]);

    const [logged] = await run(7);
    const events = await run(8);
    expect(events.map((e) => [e.stripe_event_id, e.event_type, e.status])).toEqual([['evt_test_123', 'customer.subscription.created', 'pending']]);
    expect(String(logged!.log_stripe_webhook_event)).toContain(events[0]!.id);

    expect((await run(9))[0]!.cache_stripe_data).toBeInstanceOf(Date);
    expect((await run(10))[0]!.get_cached_stripe_data).toEqual({ id: 'prod_test', name: 'Premium Plan' });

    // The original get_job_queue_stats always raised an error.
    const stats = await run(11);
    expect(stats.map((s) => ({ job_type: s.job_type, job_category: s.job_category, status: s.status, job_count: Number(s.job_count) })))
      .toEqual([{ job_type: 'sync_youtube', job_category: 'platform_sync', status: 'completed', job_count: 1 }]);
  });
});

describe('job catalogue: job_type rows and the kind → category mapping the database enforces', () => {
  it('has the 6 job types with their SQS queue suffixes and 16 kinds, each tied to one type', async () => {
    const types = await service((tx) => tx`SELECT slug, queue_name FROM job_type ORDER BY slug`);
    expect(types.map((t) => [t.slug, t.queue_name])).toEqual([
      ['ai_analysis', 'ai'], ['platform_sync', 'sync'], ['quota_reset', 'maintenance'], ['seo_submission', 'seo'], ['token_refresh', 'tokens'],
      ['trending_refresh', 'maintenance'],
    ]);
    const kinds = await service((tx) => tx`SELECT k.kind, t.slug FROM meta.job_kind k JOIN job_type t ON t.id = k.job_type_id ORDER BY k.kind`);
    expect(Object.fromEntries(kinds.map((k) => [k.kind, k.slug]))).toEqual({
      ai_bulk_tag: 'ai_analysis', ai_generate_description: 'ai_analysis', ai_generate_tags: 'ai_analysis', ai_generate_title: 'ai_analysis',
      auto_sync: 'platform_sync', follower_sync: 'platform_sync', quota_reset: 'quota_reset', seo_bulk_submit: 'seo_submission',
      seo_submit: 'seo_submission', sync_facebook: 'platform_sync', sync_instagram: 'platform_sync', sync_tiktok: 'platform_sync',
      sync_twitter: 'platform_sync', sync_youtube: 'platform_sync', token_refresh: 'token_refresh', trending_refresh: 'trending_refresh',
    });
  });

  it('rejects a row whose kind is unknown or whose category does not match its kind (composite foreign key)', async () => {
    const user = await newUser();
    const insert = (kind: string, typeSlug: string) => service((tx) => tx`
      INSERT INTO job_queue (user_id, job_type, job_type_id) SELECT ${user}, ${kind}, id FROM job_type WHERE slug = ${typeSlug}`);
    await expect(insert('sync_youtube', 'ai_analysis')).rejects.toMatchObject({ code: '23503' });
    await expect(insert('sync_myspace', 'platform_sync')).rejects.toMatchObject({ code: '23503' });
    await expect(insert('sync_youtube', 'platform_sync')).resolves.toBeDefined();
  });

  it('moves existing jobs along when a kind is re-mapped to another type (ON UPDATE CASCADE)', async () => {
    const id = await createJob(null, 'trending_refresh', { scope: 'remap' });
    const rollback = new Error('rollback');
    await expect(db.owner.begin(async (tx) => {
      // The owner is subject to RLS too (FORCE): lift it inside this transaction, which is rolled back.
      await tx`ALTER TABLE meta.job_kind NO FORCE ROW LEVEL SECURITY`;
      await tx`ALTER TABLE job_type NO FORCE ROW LEVEL SECURITY`;
      await tx`ALTER TABLE job_queue NO FORCE ROW LEVEL SECURITY`;
      await tx`UPDATE meta.job_kind SET job_type_id = (SELECT id FROM job_type WHERE slug = 'platform_sync') WHERE kind = 'trending_refresh'`;
      const [row] = await tx`SELECT t.slug FROM job_queue q JOIN job_type t ON t.id = q.job_type_id WHERE q.id = ${id}`;
      expect(row!.slug).toBe('platform_sync');
      throw rollback;
    })).rejects.toBe(rollback);
    const [row] = await service((tx) => tx`SELECT t.slug FROM job_queue q JOIN job_type t ON t.id = q.job_type_id WHERE q.id = ${id}`);
    expect(row!.slug).toBe('trending_refresh');
  });
});

describe('create_job', () => {
  it('creates a pending job with the kind’s category, the type’s retry policy and default priority', async () => {
    const user = await newUser();
    const id = await createJob(user, 'ai_generate_tags', { content_id: 'c1' });
    const row = await job(id);
    const [type] = await service((tx) => tx`SELECT id, max_retries, default_priority FROM job_type WHERE slug = 'ai_analysis'`);
    expect(row).toMatchObject({ user_id: user, job_type: 'ai_generate_tags', job_type_id: type!.id, status: 'pending', progress: 0,
      retry_count: 0, max_retries: type!.max_retries, priority: type!.default_priority, dispatched_at: null, params: { content_id: 'c1' } });
    expect(await createJob(user, 'ai_generate_tags', { content_id: 'c2' }, 9).then(job)).toMatchObject({ priority: 9 });
  });

  it('returns the active job instead of a duplicate; other params, kinds or users get their own job', async () => {
    const [alice, bob] = [await newUser(), await newUser()];
    const first = await createJob(alice, 'sync_youtube', { account: 'a', depth: 2 });
    expect(await createJob(alice, 'sync_youtube', { depth: 2, account: 'a' })).toBe(first);  // key order is irrelevant
    expect(await createJob(alice, 'sync_youtube', { account: 'b' })).not.toBe(first);
    expect(await createJob(alice, 'sync_tiktok', { account: 'a', depth: 2 })).not.toBe(first);
    expect(await createJob(bob, 'sync_youtube', { account: 'a', depth: 2 })).not.toBe(first);
    // Once the job finished, the same request is new work.
    await startJob(first);
    await completeJob(first);
    expect(await createJob(alice, 'sync_youtube', { account: 'a', depth: 2 })).not.toBe(first);
  });

  it('treats a failed job waiting for its retry as active: the retry, not a duplicate, will run', async () => {
    const user = await newUser();
    const id = await createJob(user, 'seo_submit', { url: 'https://x.test/1' });
    await startJob(id);
    await failJob(id);
    expect((await job(id)).next_retry_at).not.toBeNull();
    expect(await createJob(user, 'seo_submit', { url: 'https://x.test/1' })).toBe(id);
  });

  it('runs system kinds without a user and dedupes them too (NULLS NOT DISTINCT)', async () => {
    const first = await createJob(null, 'trending_refresh', { window: '24h' });
    expect(await createJob(null, 'trending_refresh', { window: '24h' })).toBe(first);
    expect((await job(first)).user_id).toBeNull();
  });

  it('caps a user at 10 active jobs with SQLSTATE SV429 and a message the API can show; a finished job frees a slot', async () => {
    const user = await newUser();
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await createJob(user, 'ai_generate_title', { n: i }));
    const refused = await createJob(user, 'ai_generate_title', { n: 10 }).catch((e) => e);
    expect(refused).toMatchObject({ code: 'SV429' });
    expect(refused.message).toMatch(/already have 10 jobs running or waiting/);
    // Asking again for a job that is already active is not a new job: no error at the cap.
    expect(await createJob(user, 'ai_generate_title', { n: 3 })).toBe(ids[3]);
    // Waiting for a retry still counts; completed and cancelled jobs do not.
    await startJob(ids[0]!);
    await failJob(ids[0]!);
    await expect(createJob(user, 'ai_generate_title', { n: 10 })).rejects.toMatchObject({ code: 'SV429' });
    await startJob(ids[1]!);
    await completeJob(ids[1]!);
    await service((tx) => tx`SELECT cancel_job(${ids[2]!})`);
    await createJob(user, 'ai_generate_title', { n: 10 });
    await createJob(user, 'ai_generate_title', { n: 11 });
    await expect(createJob(user, 'ai_generate_title', { n: 12 })).rejects.toMatchObject({ code: 'SV429' });
    // System jobs have no user and no cap.
    for (let i = 0; i < 12; i++) await createJob(null, 'auto_sync', { batch: i });
  });

  it('rejects bad input with clear errors', async () => {
    const user = await newUser();
    const unknown = await createJob(user, 'sync_myspace').catch((e) => e);
    expect(unknown).toMatchObject({ code: '22023', message: 'unknown job type "sync_myspace"' });
    expect(unknown.hint).toContain('sync_youtube');
    await expect(service((tx) => tx`SELECT create_job(${user}, 'sync_youtube', '[1, 2]'::jsonb)`)).rejects.toMatchObject({ code: '22023' });
    await expect(createJob(user, 'sync_youtube', {}, 0)).rejects.toMatchObject({ code: '22023' });
    await expect(createJob(user, 'sync_youtube', {}, 11)).rejects.toMatchObject({ code: '22023' });
    await expect(createJob(null, 'sync_youtube')).rejects.toMatchObject({ code: '22023', message: expect.stringContaining('needs a user') });
    await expect(createJob(randomUUID(), 'sync_youtube')).rejects.toMatchObject({ code: '23503' });  // no such user
  });

  it('refuses disabled job types with 55000', async () => {
    const user = await newUser();
    const rollback = new Error('rollback');
    let refused: unknown;
    await expect(service(async (tx) => {
      await tx`UPDATE job_type SET is_active = false WHERE slug = 'seo_submission'`;
      refused = await tx`SELECT create_job(${user}, 'seo_submit', '{}'::jsonb)`.catch((e) => e);
      throw rollback;  // and with it the UPDATE
    })).rejects.toBe(rollback);
    expect(refused).toMatchObject({ code: '55000', message: 'jobs of type seo_submit (seo_submission) are disabled' });
    expect(await createJob(user, 'seo_submit', { ok: 1 })).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses to run under REPEATABLE READ, where its checks would read a stale snapshot (0A000)', async () => {
    const user = await newUser();
    await expect(db.app.begin('isolation level repeatable read', async (tx) => {
      await tx`SELECT set_config('role', 'service_role', true)`;
      await tx`SELECT create_job(${user}, 'sync_youtube', '{}'::jsonb)`;
    })).rejects.toMatchObject({ code: '0A000' });
  });
});

describe('find_or_create_job', () => {
  const findOrCreate = (user: string, kind: string, params: object, window?: string) => service(async (tx) => ({
    ...(window === undefined
      ? (await tx`SELECT * FROM find_or_create_job(${user}, ${kind}, ${tx.json(params as never)})`)[0]
      : (await tx`SELECT * FROM find_or_create_job(${user}, ${kind}, ${tx.json(params as never)}, p_reuse_window => ${window}::interval)`)[0]),
  }));

  it('reports created = true for a new job and false, with the same id, for the active one', async () => {
    const user = await newUser();
    const first = await findOrCreate(user, 'sync_instagram', { a: 1 });
    expect(first).toMatchObject({ created: true, status: 'pending' });
    expect(await findOrCreate(user, 'sync_instagram', { a: 1 })).toEqual({ job_id: first.job_id, created: false, status: 'pending' });
  });

  it('reuses a job completed within the last 5 minutes, and creates anew once that result is older', async () => {
    const user = await newUser();
    const { job_id } = await findOrCreate(user, 'follower_sync', { acct: 1 });
    await startJob(job_id);
    await completeJob(job_id, { followers: 7 });
    expect(await findOrCreate(user, 'follower_sync', { acct: 1 })).toEqual({ job_id, created: false, status: 'completed' });
    await age(job_id, 'completed_at', '6 minutes');
    expect(await findOrCreate(user, 'follower_sync', { acct: 1 })).toMatchObject({ created: true });
  });

  it('never hands back a job that failed for good or was cancelled: asking again creates a new one', async () => {
    const user = await newUser();
    const failed = await findOrCreate(user, 'seo_submit', { url: 'u1' });
    await startJob(failed.job_id);
    await failJob(failed.job_id, 'rejected', false);
    expect(await findOrCreate(user, 'seo_submit', { url: 'u1' })).toMatchObject({ created: true });
    const cancelled = await findOrCreate(user, 'seo_submit', { url: 'u2' });
    await service((tx) => tx`SELECT cancel_job(${cancelled.job_id})`);
    expect(await findOrCreate(user, 'seo_submit', { url: 'u2' })).toMatchObject({ created: true });
  });

  it('takes a reuse window (0 = only active jobs) and rejects a negative one', async () => {
    const user = await newUser();
    const { job_id } = await findOrCreate(user, 'follower_sync', { acct: 2 });
    await startJob(job_id);
    await completeJob(job_id);
    expect(await findOrCreate(user, 'follower_sync', { acct: 2 }, '0')).toMatchObject({ created: true });
    await expect(findOrCreate(user, 'follower_sync', { acct: 3 }, '-1 minute')).rejects.toMatchObject({ code: '22023' });
  });
});

describe('start_job / update_job_progress / complete_job (the worker’s side)', () => {
  it('start_job wins once, records the worker, and never starts a job before its scheduled time', async () => {
    const user = await newUser();
    const id = await createJob(user, 'sync_facebook');
    expect(await startJob(id, 'w-a')).toBe(true);
    expect(await startJob(id, 'w-b')).toBe(false);
    const row = await job(id);
    expect(row).toMatchObject({ status: 'processing', worker_id: 'w-a' });
    expect(row.started_at).toBeInstanceOf(Date);
    expect(row.heartbeat_at).toEqual(row.started_at);

    const later = await service(async (tx) =>
      (await tx`SELECT create_job(${user}, 'sync_facebook', '{"later": true}'::jsonb, NULL, now() + interval '1 hour') AS id`)[0]!.id as string);
    expect(await startJob(later)).toBe(false);
    expect(await startJob(randomUUID())).toBe(false);
    await expect(startJob(later, '  ')).rejects.toMatchObject({ code: '22023' });
  });

  it('update_job_progress validates 0..100, refreshes the heartbeat, and says false once the job is not this worker’s', async () => {
    const user = await newUser();
    const id = await createJob(user, 'ai_bulk_tag');
    const progress = (value: number, worker: string | null = null) =>
      service(async (tx) => (await tx`SELECT update_job_progress(${id}, ${value}, 'step', ${worker}) AS ok`)[0]!.ok as boolean);
    expect(await progress(10)).toBe(false);  // still pending
    await startJob(id, 'w-1');
    await age(id, 'heartbeat_at', '10 minutes');
    expect(await progress(40, 'w-1')).toBe(true);
    const row = await job(id);
    expect(row.progress).toBe(40);
    expect(Date.now() - row.heartbeat_at.getTime()).toBeLessThan(60_000);
    expect(await progress(50, 'w-zombie')).toBe(false);
    await expect(progress(101)).rejects.toMatchObject({ code: '22023' });
    await expect(progress(-1)).rejects.toMatchObject({ code: '22023' });
    await service((tx) => tx`SELECT cancel_job(${id}, 'user left')`);
    expect(await progress(60, 'w-1')).toBe(false);  // the worker learns the job was cancelled
  });

  it('complete_job stores the result once, only for a running job and only for its own worker', async () => {
    const user = await newUser();
    const id = await createJob(user, 'ai_generate_description');
    expect(await completeJob(id)).toBe(false);  // not started
    await startJob(id, 'w-1');
    expect(await service(async (tx) => (await tx`SELECT complete_job(${id}, '{}'::jsonb, 'w-2') AS ok`)[0]!.ok)).toBe(false);
    expect(await service(async (tx) => (await tx`SELECT complete_job(${id}, '{"text": "hi"}'::jsonb, 'w-1') AS ok`)[0]!.ok)).toBe(true);
    expect(await completeJob(id, { text: 'again' })).toBe(false);
    expect(await job(id)).toMatchObject({ status: 'completed', progress: 100, result: { text: 'hi' }, error_message: null });
  });

  it('completes a job with a 100 KB result and announces it on job_status with a tiny payload (the original NOTIFY failed over 8 KB)', async () => {
    const user = await newUser();
    const id = await createJob(user, 'ai_bulk_tag', { items: 500 });
    await startJob(id);
    const payloads: string[] = [];
    let announced!: () => void;
    const completed = new Promise<void>((resolve) => { announced = resolve; });
    const listener = await db.app.listen('job_status', (payload) => {
      payloads.push(payload);
      if (payload.includes(id) && payload.includes('"completed"')) announced();
    });
    try {
      const big = { tags: Array.from({ length: 2000 }, (_, i) => `tag-number-${i}-${'x'.repeat(36)}`) };
      expect(JSON.stringify(big).length).toBeGreaterThan(100_000);
      expect(await completeJob(id, big)).toBe(true);
      await completed;
    } finally {
      await listener.unlisten();
    }
    const mine = payloads.filter((p) => p.includes(id)).map((p) => JSON.parse(p));
    expect(mine.at(-1)).toEqual({ job_id: id, user_id: user, status: 'completed' });
    expect(Math.max(...payloads.map((p) => p.length))).toBeLessThan(200);
    expect((await job(id)).result.tags).toHaveLength(2000);
  });
});

describe('start_jobs / complete_jobs (a worker’s batch in one statement each, migration 023)', () => {
  const startJobs = (ids: string[], worker = 'worker-1') =>
    service((tx) => tx`SELECT * FROM start_jobs(${ids}::uuid[], ${worker})`);
  const completeJobs = (results: Record<string, unknown>, worker: string | null = 'worker-1') =>
    service(async (tx) => (await tx`SELECT complete_jobs(${tx.json(results as never)}, ${worker}) AS id`).map((r) => r.id as string).sort());

  it('start_jobs claims every listed job that is pending and due, once, and returns what the executors need', async () => {
    const user = await newUser();
    const [a, b, running, done] = await Promise.all(['a', 'b', 'r', 'd'].map((k) => createJob(user, 'sync_youtube', { k })));
    const later = await service(async (tx) =>
      (await tx`SELECT create_job(${user}, 'sync_youtube', '{"later": true}'::jsonb, NULL, now() + interval '1 hour') AS id`)[0]!.id as string);
    await startJob(running!, 'w-other');
    await startJob(done!, 'w-other');
    await completeJob(done!);

    const rows = await startJobs([a!, b!, a!, running!, done!, later, randomUUID()], 'w-batch');
    expect(rows.map((r) => r.job_id).sort()).toEqual([a!, b!].sort());
    expect(rows.find((r) => r.job_id === a)).toEqual({
      job_id: a, user_id: user, job_type: 'sync_youtube', params: { k: 'a' }, retry_count: 0, max_retries: 3,
    });
    for (const id of [a!, b!]) expect(await job(id)).toMatchObject({ status: 'processing', worker_id: 'w-batch', progress: 0 });
    expect(await job(running!)).toMatchObject({ worker_id: 'w-other' });
    expect(await job(later)).toMatchObject({ status: 'pending' });
    expect(await startJobs([a!, b!], 'w-late')).toEqual([]);
    expect(await startJobs([], 'w-empty')).toEqual([]);
    await expect(startJobs([a!], ' ')).rejects.toMatchObject({ code: '22023' });
    await expect(startJobs(Array.from({ length: 1001 }, () => randomUUID()))).rejects.toMatchObject({ code: '22023' });
  });

  it('complete_jobs stores each job’s result, only for jobs still running for this worker, and announces each on job_status', async () => {
    const user = await newUser();
    const [mine1, mine2, theirs, cancelled, pending] = await Promise.all(['1', '2', 't', 'c', 'p'].map((k) => createJob(user, 'ai_bulk_tag', { k })));
    await startJobs([mine1!, mine2!, cancelled!], 'w-mine');
    await startJob(theirs!, 'w-theirs');
    await service((tx) => tx`SELECT cancel_job(${cancelled!})`);
    const payloads: string[] = [];
    const listener = await db.app.listen('job_status', (payload) => { payloads.push(payload); });
    try {
      const completed = await completeJobs({
        [mine1!]: { tags: ['one'] }, [mine2!]: { tags: ['two'] }, [theirs!]: { tags: ['x'] }, [cancelled!]: {}, [pending!]: {}, [randomUUID()]: {},
      }, 'w-mine');
      expect(completed).toEqual([mine1!, mine2!].sort());
      await expect.poll(() => payloads.filter((p) => p.includes('"completed"')).length).toBe(2);
    } finally {
      await listener.unlisten();
    }
    expect(payloads.map((p) => JSON.parse(p)).filter((p) => p.status === 'completed').map((p) => p.job_id).sort()).toEqual([mine1!, mine2!].sort());
    expect(await job(mine1!)).toMatchObject({ status: 'completed', progress: 100, result: { tags: ['one'] }, error_message: null });
    expect(await job(mine2!)).toMatchObject({ status: 'completed', result: { tags: ['two'] } });
    expect(await job(theirs!)).toMatchObject({ status: 'processing', result: null });
    expect(await job(cancelled!)).toMatchObject({ status: 'cancelled' });
    expect(await job(pending!)).toMatchObject({ status: 'pending' });
    expect(await completeJobs({ [mine1!]: { again: true } }, 'w-mine')).toEqual([]);
    expect(await completeJobs({ [theirs!]: { by: 'anyone' } }, null)).toEqual([theirs!]);  // like complete_job: no worker given, any
    await expect(completeJobs([] as never)).rejects.toMatchObject({ code: '22023' });
  });

  it('keeps progress reports HOT: no index of job_queue holds a column update_job_progress (or its trigger) sets', async () => {
    const rows = await db.owner<{ index: string; columns: string[] }[]>`
      SELECT i.indexrelid::regclass::text AS index,
             ARRAY(SELECT a.attname FROM pg_attribute a
                    WHERE a.attrelid = i.indrelid AND a.attnum > 0
                      AND (a.attnum = ANY (i.indkey)
                           OR pg_get_expr(i.indpred, i.indrelid) ~ ('\\m' || a.attname || '\\M')
                           OR pg_get_expr(i.indexprs, i.indrelid) ~ ('\\m' || a.attname || '\\M'))) AS columns
        FROM pg_index i WHERE i.indrelid = 'public.job_queue'::regclass`;
    expect(rows.length).toBeGreaterThan(5);
    for (const r of rows) expect(r.columns.filter((c) => ['progress', 'progress_message', 'heartbeat_at', 'updated_at'].includes(c)), r.index).toEqual([]);
    const [table] = await db.owner`SELECT reloptions FROM pg_class WHERE oid = 'public.job_queue'::regclass`;
    expect(table!.reloptions).toContain('fillfactor=80');
  });
});

describe('fail_job: retries with exponential backoff, jitter and a cap', () => {
  /** Seconds between the failure and the scheduled retry (both stamped in the failing transaction). */
  const failAndDelay = async (id: string) => {
    expect(await failJob(id, 'platform timeout')).toBe(true);
    const row = await job(id);
    return row.next_retry_at === null ? null : (row.next_retry_at.getTime() - row.completed_at.getTime()) / 1000;
  };
  /** Makes the retry due and requeues it, as the schedule would. */
  const requeue = async (id: string) => {
    await service((tx) => tx`UPDATE job_queue SET next_retry_at = now() - interval '1 second' WHERE id = ${id}`);
    expect(await sweep('SELECT retry_failed_jobs()')).toBeGreaterThanOrEqual(1);
  };

  it('waits min(1 h, 30 s·2^(n-1)) × [0.75, 1] before retry n: strictly growing until the cap, then failed for good', async () => {
    const user = await newUser();
    const id = await createJob(user, 'sync_twitter', { backoff: true });
    await service((tx) => tx`UPDATE job_queue SET max_retries = 10 WHERE id = ${id}`);
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 10; attempt++) {
      expect(await startJob(id)).toBe(true);
      delays.push((await failAndDelay(id))!);
      await requeue(id);
      expect(await job(id)).toMatchObject({ status: 'pending', retry_count: attempt });
    }
    delays.forEach((delay, i) => {
      const nominal = Math.min(3600, 30 * 2 ** i);
      expect(delay, `retry ${i + 1}`).toBeGreaterThanOrEqual(0.75 * nominal - 0.001);
      expect(delay, `retry ${i + 1}`).toBeLessThanOrEqual(nominal + 0.001);
    });
    const beforeCap = delays.slice(0, 8);  // 30 s … 1920 s, then 3600 s (capped) twice
    beforeCap.forEach((d, i) => { if (i > 0) expect(d).toBeGreaterThan(beforeCap[i - 1]!); });
    expect(Math.max(...delays)).toBeLessThanOrEqual(3600);
    // The 11th failure has no retry left.
    expect(await startJob(id)).toBe(true);
    expect(await failAndDelay(id)).toBeNull();
    expect(await job(id)).toMatchObject({ status: 'failed', retry_count: 10, next_retry_at: null, error_message: 'platform timeout' });
  });

  it('jitters: jobs failing at the same attempt get different delays within [22.5 s, 30 s]', async () => {
    const user = await newUser();
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const id = await createJob(user, 'seo_bulk_submit', { batch: i });
      await startJob(id);
      delays.push((await failAndDelay(id))!);
    }
    delays.forEach((d) => { expect(d).toBeGreaterThanOrEqual(22.5); expect(d).toBeLessThanOrEqual(30); });
    expect(new Set(delays).size).toBeGreaterThan(1);
  });

  it('fails for good at once when the error is not retryable, and logs every failure', async () => {
    const user = await newUser();
    const id = await createJob(user, 'seo_submit', { url: 'bad' });
    expect(await failJob(id)).toBe(false);  // not running
    await startJob(id);
    expect(await failJob(id, 'HTTP 400 invalid url', false)).toBe(true);
    expect(await job(id)).toMatchObject({ status: 'failed', next_retry_at: null, retry_count: 0 });
    const logs = await service((tx) => tx`SELECT level, message, data FROM job_log WHERE job_id = ${id}`);
    expect(logs.map((l) => ({ ...l }))).toEqual([{ level: 'error', message: 'HTTP 400 invalid url',
      data: { attempt: 1, max_retries: 5, worker_id: 'worker-1', next_retry_at: null } }]);
  });
});

describe('schedules: retry_failed_jobs, detect_stuck_jobs, expire_stale_jobs, cleanup_old_jobs', () => {
  it('retry_failed_jobs requeues only due retries as pending and undispatched, and retires those without retries left', async () => {
    await emptyQueue();
    const user = await newUser();
    const [due, notDue, exhausted, doneForGood] = await Promise.all(['a', 'b', 'c', 'd'].map((k) => createJob(user, 'sync_youtube', { k })));
    for (const id of [due!, notDue!, exhausted!, doneForGood!]) { await startJob(id); await failJob(id, 'x', id !== doneForGood); }
    await service(async (tx) => {
      await tx`UPDATE job_queue SET next_retry_at = now() - interval '1 second', dispatched_at = now() WHERE id IN (${due!}, ${exhausted!})`;
      await tx`UPDATE job_queue SET max_retries = 0 WHERE id = ${exhausted!}`;
    });
    expect(await sweep('SELECT retry_failed_jobs()')).toBe(1);
    expect(await job(due!)).toMatchObject({ status: 'pending', retry_count: 1, next_retry_at: null, dispatched_at: null,
      worker_id: null, started_at: null, completed_at: null, error_message: 'x' });
    expect(await job(notDue!)).toMatchObject({ status: 'failed', retry_count: 0 });
    expect((await job(notDue!)).next_retry_at).not.toBeNull();
    expect(await job(exhausted!)).toMatchObject({ status: 'failed', next_retry_at: null });
    expect(await job(doneForGood!)).toMatchObject({ status: 'failed', next_retry_at: null });
    expect(await sweep('SELECT retry_failed_jobs()')).toBe(0);
    await expect(sweep('SELECT retry_failed_jobs(0)')).rejects.toMatchObject({ code: '22023' });
  });

  it('detect_stuck_jobs fails processing jobs whose worker went silent (retry if left, else for good) and spares live ones', async () => {
    await emptyQueue();
    const user = await newUser();
    const [silent, lastChance, alive] = await Promise.all(['s', 'l', 'a'].map((k) => createJob(user, 'sync_tiktok', { k })));
    for (const id of [silent!, lastChance!, alive!]) await startJob(id, `w-${id.slice(0, 4)}`);
    await age(silent!, 'heartbeat_at', '31 minutes');
    await age(lastChance!, 'heartbeat_at', '2 hours');
    await service((tx) => tx`UPDATE job_queue SET retry_count = max_retries WHERE id = ${lastChance!}`);
    await age(alive!, 'heartbeat_at', '29 minutes');

    expect(await sweep('SELECT detect_stuck_jobs()')).toBe(2);
    const stuck = await job(silent!);
    expect(stuck.status).toBe('failed');
    expect(stuck.next_retry_at).not.toBeNull();
    expect(stuck.error_message).toMatch(new RegExp(`^stuck: worker w-${silent!.slice(0, 4)} sent no heartbeat since`));
    expect(await job(lastChance!)).toMatchObject({ status: 'failed', next_retry_at: null });
    expect(await job(alive!)).toMatchObject({ status: 'processing' });
    expect(await sweep(`SELECT detect_stuck_jobs('10 minutes')`)).toBe(1);
    await expect(sweep(`SELECT detect_stuck_jobs('0')`)).rejects.toMatchObject({ code: '22023' });
  });

  it('expire_stale_jobs fails pending jobs not started in time, with the reason, and nothing else', async () => {
    await emptyQueue();
    const user = await newUser();
    const [stale, fresh, running] = await Promise.all(['s', 'f', 'r'].map((k) => createJob(user, 'seo_submit', { k })));
    await age(stale!, 'scheduled_for', '25 hours');
    await startJob(running!);
    await age(running!, 'scheduled_for', '25 hours');
    expect(await sweep(`SELECT expire_stale_jobs('24 hours')`)).toBe(1);
    expect(await job(stale!)).toMatchObject({ status: 'failed', next_retry_at: null,
      error_message: 'expired: not started within 24:00:00 of its scheduled time' });
    expect(await job(fresh!)).toMatchObject({ status: 'pending' });
    expect(await job(running!)).toMatchObject({ status: 'processing' });
    await expect(sweep(`SELECT expire_stale_jobs('-1 hour')`)).rejects.toMatchObject({ code: '22023' });
  });

  it('cleanup_old_jobs deletes finished jobs and log lines past retention and keeps everything active', async () => {
    await emptyQueue();
    const user = await newUser();
    const ids = await Promise.all(['done', 'cancelled', 'failed', 'retrying', 'recent', 'pending'].map((k) => createJob(user, 'ai_generate_tags', { k })));
    const [done, cancelled, failed, retrying, recent, pending] = ids as [string, string, string, string, string, string];
    for (const id of [done, failed, retrying, recent]) await startJob(id);
    await completeJob(done);
    await completeJob(recent);
    await failJob(failed, 'no', false);
    await failJob(retrying, 'later');
    await service((tx) => tx`SELECT cancel_job(${cancelled})`);
    await service((tx) => tx`SELECT add_job_log(${pending}, 'info', 'old line'), add_job_log(${pending}, 'info', 'new line')`);
    await service((tx) => tx`UPDATE job_log SET created_at = now() - interval '40 days' WHERE job_id = ${pending} AND message = 'old line'`);
    for (const id of [done, cancelled, failed, retrying]) await age(id, 'completed_at', '31 days');

    const [result] = await service((tx) => tx`SELECT * FROM cleanup_old_jobs('30 days')`);
    expect({ ...result }).toEqual({ jobs_deleted: 3, logs_deleted: 1 });
    const left = await service((tx) => tx`SELECT id FROM job_queue`);
    expect(left.map((r) => r.id).sort()).toEqual([retrying, recent, pending].sort());
    expect(await service((tx) => tx`SELECT count(*)::int AS n FROM job_log WHERE job_id IN (${done}, ${cancelled}, ${failed})`))
      .toEqual([{ n: 0 }]);
    expect((await service((tx) => tx`SELECT message FROM job_log WHERE job_id = ${pending}`)).map((r) => r.message)).toEqual(['new line']);
    await expect(service((tx) => tx`SELECT * FROM cleanup_old_jobs('0')`)).rejects.toMatchObject({ code: '22023' });
  });
});

describe('the SQS outbox: claim_undispatched_jobs / mark_jobs_dispatched', () => {
  const claim = (limit = 100, resendAfter = '5 minutes') =>
    service(async (tx) => [...await tx`SELECT * FROM claim_undispatched_jobs(${limit}, ${resendAfter}::interval)`]);

  it('hands out never-sent due jobs once, most urgent first, with their queue; skips jobs the creator already sent', async () => {
    await emptyQueue();
    const user = await newUser();
    const low = await createJob(user, 'seo_submit', { p: 'low' }, 2);
    const high = await createJob(user, 'sync_youtube', { p: 'high' }, 9);
    const sentByApi = await createJob(user, 'ai_generate_tags', { p: 'api' });
    const future = await service(async (tx) =>
      (await tx`SELECT create_job(${user}, 'sync_youtube', '{"p": "future"}'::jsonb, NULL, now() + interval '1 hour') AS id`)[0]!.id);
    const running = await createJob(user, 'sync_tiktok', { p: 'running' });
    await startJob(running);
    expect(await sweep(`SELECT mark_jobs_dispatched(ARRAY['${sentByApi}', '${running}']::uuid[])`)).toBe(1);

    const batch = await claim();
    expect(batch.map((j) => [j.job_id, j.job_type, j.queue_name, j.priority])).toEqual([
      [high, 'sync_youtube', 'sync', 9], [low, 'seo_submit', 'seo', 2],
    ]);
    expect((await job(high)).dispatched_at).toBeInstanceOf(Date);
    expect(await claim()).toEqual([]);
    expect((await job(future)).dispatched_at).toBeNull();
  });

  it('sends again a job whose message was lost (sent long ago, still pending), and respects the limit', async () => {
    await emptyQueue();
    const user = await newUser();
    const ids = await Promise.all([1, 2, 3].map((n) => createJob(user, 'follower_sync', { n })));
    expect(await claim(2)).toHaveLength(2);
    expect(await claim(2)).toHaveLength(1);
    expect(await claim()).toEqual([]);
    await age(ids[0]!, 'dispatched_at', '6 minutes');
    expect((await claim()).map((j) => j.job_id)).toEqual([ids[0]]);
    await expect(claim(0)).rejects.toMatchObject({ code: '22023' });
    await expect(claim(10, '0')).rejects.toMatchObject({ code: '22023' });
  });
});

describe('reading jobs: get_user_jobs, get_job_queue_stats, get_cached_job_result', () => {
  it('get_user_jobs lists one user’s jobs newest first, filtered by status, kind or category, paginated', async () => {
    const [user, other] = [await newUser(), await newUser()];
    const a = await createJob(user, 'sync_youtube', { n: 1 });
    const b = await createJob(user, 'ai_generate_tags', { n: 2 });
    const c = await createJob(user, 'sync_instagram', { n: 3 });
    await createJob(other, 'sync_youtube', { n: 1 });
    await startJob(b);
    const list = (status: string | null, kind: string | null, limit = 20, offset = 0) =>
      service(async (tx) => (await tx`SELECT id FROM get_user_jobs(${user}, ${status}, ${kind}, ${limit}, ${offset})`).map((r) => r.id));
    expect(await list(null, null)).toEqual([c, b, a]);
    expect(await list('processing', null)).toEqual([b]);
    expect(await list(null, 'sync_youtube')).toEqual([a]);
    expect(await list(null, 'platform_sync')).toEqual([c, a]);
    expect(await list(null, null, 1, 1)).toEqual([b]);
    await expect(list(null, null, 0)).rejects.toMatchObject({ code: '22023' });
    await expect(list(null, null, 101)).rejects.toMatchObject({ code: '22023' });
    await expect(list(null, null, 10, -1)).rejects.toMatchObject({ code: '22023' });
    await expect(list('running', null)).rejects.toMatchObject({ code: '22P02' });  // not a job status
    await expect(service((tx) => tx`SELECT * FROM get_user_jobs(NULL)`)).rejects.toMatchObject({ code: '22023' });
  });

  it('get_job_queue_stats counts per kind and status for one user, or for the whole queue (the original always errored)', async () => {
    await emptyQueue();
    const [user, other] = [await newUser(), await newUser()];
    const done = await createJob(user, 'sync_youtube', { n: 1 });
    await createJob(user, 'sync_youtube', { n: 2 });
    await createJob(user, 'sync_youtube', { n: 3 });
    await createJob(other, 'seo_submit', { n: 1 });
    await startJob(done);
    await completeJob(done);
    const stats = (userId: string | null) => service(async (tx) =>
      (await tx`SELECT job_type, job_category, status, job_count::int AS n FROM get_job_queue_stats(${userId})`).map((r) => ({ ...r })));
    expect(await stats(user)).toEqual([
      { job_type: 'sync_youtube', job_category: 'platform_sync', status: 'pending', n: 2 },
      { job_type: 'sync_youtube', job_category: 'platform_sync', status: 'completed', n: 1 },
    ]);
    expect(await stats(null)).toEqual([
      { job_type: 'seo_submit', job_category: 'seo_submission', status: 'pending', n: 1 },
      { job_type: 'sync_youtube', job_category: 'platform_sync', status: 'pending', n: 2 },
      { job_type: 'sync_youtube', job_category: 'platform_sync', status: 'completed', n: 1 },
    ]);
    expect(await stats(randomUUID())).toEqual([]);
  });

  it('get_cached_job_result returns the newest completed result with equal params within max_age, nothing otherwise', async () => {
    const user = await newUser();
    const cached = (params: object, maxAge = '1 hour') => service(async (tx) =>
      [...await tx`SELECT job_id, result FROM get_cached_job_result(${user}, 'ai_generate_title', ${tx.json(params as never)}, ${maxAge}::interval)`]);
    const older = await createJob(user, 'ai_generate_title', { id: 1 });
    await startJob(older);
    await completeJob(older, { title: 'old' });
    await age(older, 'completed_at', '10 minutes');
    const newer = await createJob(user, 'ai_generate_title', { id: 1 });
    await startJob(newer);
    await completeJob(newer, { title: 'new' });
    const running = await createJob(user, 'ai_generate_title', { id: 1 });
    await startJob(running);

    expect(await cached({ id: 1 })).toEqual([{ job_id: newer, result: { title: 'new' } }]);
    expect(await cached({ id: 2 })).toEqual([]);
    await age(newer, 'completed_at', '2 hours');
    expect(await cached({ id: 1 })).toEqual([{ job_id: older, result: { title: 'old' } }]);
    expect(await cached({ id: 1 }, '5 minutes')).toEqual([]);
    await expect(cached({ id: 1 }, '0')).rejects.toMatchObject({ code: '22023' });
  });
});

describe('cancel_job / add_job_log', () => {
  it('cancel_job cancels pending, running and retry-waiting jobs with the reason, and leaves finished ones alone', async () => {
    const user = await newUser();
    const cancel = (id: string, reason?: string) =>
      service(async (tx) => (await tx`SELECT cancel_job(${id}, ${reason ?? null}) AS ok`)[0]!.ok as boolean);
    const [pending, running, retrying, done] = await Promise.all(['p', 'r', 'w', 'd'].map((k) => createJob(user, 'sync_youtube', { k })));
    for (const id of [running!, retrying!, done!]) await startJob(id);
    await failJob(retrying!);
    await completeJob(done!);
    expect(await cancel(pending!, 'account disconnected')).toBe(true);
    expect(await cancel(running!)).toBe(true);
    expect(await cancel(retrying!)).toBe(true);
    expect(await cancel(done!)).toBe(false);
    expect(await cancel(pending!)).toBe(false);
    expect(await job(pending!)).toMatchObject({ status: 'cancelled', error_message: 'cancelled: account disconnected' });
    expect(await job(retrying!)).toMatchObject({ status: 'cancelled', next_retry_at: null });
    expect(await job(done!)).toMatchObject({ status: 'completed' });
  });

  it('add_job_log appends lines and rejects bad levels, empty messages and unknown jobs', async () => {
    const user = await newUser();
    const id = await createJob(user, 'ai_bulk_tag', { log: true });
    const add = (jobId: string, level: string | null, message: string | null) =>
      service(async (tx) => (await tx`SELECT add_job_log(${jobId}, ${level}, ${message}, '{"n": 1}'::jsonb) AS id`)[0]!.id);
    const first = await add(id, 'info', 'fetched 20 items');
    const second = await add(id, 'warn', 'x'.repeat(5000));
    expect(BigInt(second)).toBeGreaterThan(BigInt(first));
    const lines = await service((tx) => tx`SELECT level, char_length(message) AS len, data FROM job_log WHERE job_id = ${id} ORDER BY id`);
    expect(lines.map((l) => ({ ...l }))).toEqual([{ level: 'info', len: 16, data: { n: 1 } }, { level: 'warn', len: 4000, data: { n: 1 } }]);
    await expect(add(id, 'fatal', 'x')).rejects.toMatchObject({ code: '22023' });
    await expect(add(id, 'info', ' ')).rejects.toMatchObject({ code: '22023' });
    await expect(add(randomUUID(), 'info', 'x')).rejects.toMatchObject({ code: '23503' });
  });
});

describe('security: who may run what and see which jobs', () => {
  const SERVICE_ONLY = [
    'find_or_create_job', 'create_job', 'get_user_jobs', 'get_job_queue_stats', 'get_cached_job_result', 'start_job',
    'update_job_progress', 'complete_job', 'start_jobs', 'complete_jobs', 'fail_job', 'cancel_job', 'add_job_log', 'retry_failed_jobs', 'detect_stuck_jobs',
    'expire_stale_jobs', 'cleanup_old_jobs', 'claim_undispatched_jobs', 'mark_jobs_dispatched',
    'log_stripe_webhook_event', 'mark_webhook_processed', 'mark_webhook_failed', 'retry_failed_webhooks',
    'cache_stripe_data', 'get_cached_stripe_data', 'invalidate_cache', 'cleanup_expired_cache',
  ];
  const USER_FACING = ['get_my_jobs', 'get_my_job_stats', 'cancel_my_job'];
  const ALL = [...SERVICE_ONLY, ...USER_FACING, 'notify_job_status_change'];

  it('grants EXECUTE on the service functions to service_role only and on the get_my_*/cancel_my_job functions to authenticated only', async () => {
    const rows = await db.owner`
      SELECT p.proname, has_function_privilege('anon', p.oid, 'EXECUTE') AS anon,
             has_function_privilege('authenticated', p.oid, 'EXECUTE') AS authenticated,
             has_function_privilege('service_role', p.oid, 'EXECUTE') AS service,
             has_function_privilege('public', p.oid, 'EXECUTE') AS public
        FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.proname = ANY (${ALL})`;
    expect(rows.map((r) => r.proname).sort()).toEqual([...ALL].sort());  // one function per name, no overloads
    const grants = Object.fromEntries(rows.map((r) => [r.proname, [r.anon, r.authenticated, r.service, r.public]]));
    for (const name of SERVICE_ONLY) expect(grants[name], name).toEqual([false, false, true, false]);
    for (const name of USER_FACING) expect(grants[name], name).toEqual([false, true, false, false]);
    expect(grants.notify_job_status_change).toEqual([false, false, false, false]);  // a trigger function only
  });

  it('pins search_path on every function and uses SECURITY DEFINER (owned by streamvibe_definer) only for cancel_my_job', async () => {
    const rows = await db.owner`
      SELECT p.proname, p.prosecdef, pg_get_userbyid(p.proowner) AS owner, p.proconfig
        FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.proname = ANY (${ALL})`;
    for (const r of rows) expect(r.proconfig, r.proname).toEqual(['search_path=""']);
    expect(rows.filter((r) => r.prosecdef).map((r) => [r.proname, r.owner])).toEqual([['cancel_my_job', 'streamvibe_definer']]);
  });

  it('anon can run none of them and read no job table (the original let anon run SECURITY DEFINER functions)', async () => {
    const user = await newUser();
    const id = await createJob(user, 'sync_youtube', { anon: 1 });
    for (const call of [
      `SELECT * FROM get_user_jobs('${user}')`, `SELECT create_job('${user}', 'sync_youtube', '{}')`, `SELECT start_job('${id}', 'w')`,
      `SELECT * FROM get_my_jobs()`, `SELECT cancel_my_job('${id}')`, `SELECT * FROM get_job_queue_stats()`,
    ]) {
      await expect(asAnon(db.app, (tx) => tx.unsafe(call)), call).rejects.toMatchObject({ code: '42501' });
    }
    for (const table of ['job_queue', 'job_log', 'job_type', 'stripe_webhook_events', 'meta.job_kind']) {
      await expect(asAnon(db.app, (tx) => tx.unsafe(`SELECT 1 FROM ${table}`)), table).rejects.toMatchObject({ code: '42501' });
    }
  });

  it('authenticated cannot call the p_user_id functions, e.g. to read someone else’s jobs or create jobs as them', async () => {
    const [victim, attacker] = [await newUser(), await newUser()];
    const id = await createJob(victim, 'sync_youtube', { secret: true });
    for (const call of [
      `SELECT * FROM get_user_jobs('${victim}')`, `SELECT create_job('${attacker}', 'sync_youtube', '{}')`,
      `SELECT * FROM find_or_create_job('${attacker}', 'sync_youtube', '{}')`, `SELECT * FROM get_job_queue_stats()`,
      `SELECT * FROM get_cached_job_result('${victim}', 'sync_youtube', '{"secret": true}', '1 hour')`,
      `SELECT complete_job('${id}', '{}')`, `SELECT cancel_job('${id}')`, `SELECT start_job('${id}', 'w')`,
    ]) {
      await expect(asUser(db.app, claimsFor(attacker), (tx) => tx.unsafe(call)), call).rejects.toMatchObject({ code: '42501' });
    }
    expect((await job(id)).status).toBe('pending');
  });

  it('a user sees only their own jobs and logs (table or get_my_jobs/get_my_job_stats); an admin sees everyone’s', async () => {
    const [alice, bob, admin] = [await newUser(), await newUser(), await newUser()];
    await service((tx) => tx`INSERT INTO user_role (user_id, role) VALUES (${admin}, 'admin')`);
    const mine = await createJob(alice, 'sync_youtube', { who: 'alice' });
    const theirs = await createJob(bob, 'sync_youtube', { who: 'bob' });
    await service((tx) => tx`SELECT add_job_log(${mine}, 'info', 'alice line'), add_job_log(${theirs}, 'info', 'bob line')`);

    await asUser(db.app, claimsFor(alice), async (tx) => {
      expect((await tx`SELECT id FROM job_queue`).map((r) => r.id)).toEqual([mine]);
      expect((await tx`SELECT message FROM job_log`).map((r) => r.message)).toEqual(['alice line']);
      expect((await tx`SELECT id, job_category FROM get_my_jobs()`).map((r) => [r.id, r.job_category])).toEqual([[mine, 'platform_sync']]);
      expect((await tx`SELECT id FROM get_my_jobs('pending', 'platform_sync', 5, 0)`).map((r) => r.id)).toEqual([mine]);
      expect((await tx`SELECT id FROM get_my_jobs('completed')`)).toHaveLength(0);
    });
    await expect(asUser(db.app, claimsFor(alice), (tx) => tx`SELECT * FROM get_my_jobs(NULL, NULL, 500)`))
      .rejects.toMatchObject({ code: '22023' });
    await asUser(db.app, claimsFor(alice), async (tx) => {
      expect((await tx`SELECT job_type, status, job_count::int AS n FROM get_my_job_stats()`).map((r) => ({ ...r })))
        .toEqual([{ job_type: 'sync_youtube', status: 'pending', n: 1 }]);
      expect((await tx`SELECT count(*)::int AS n FROM job_type`)[0]!.n).toBe(6);
      expect((await tx`SELECT count(*)::int AS n FROM meta.job_kind`)[0]!.n).toBe(16);
    });
    await asUser(db.app, claimsFor(admin), async (tx) => {
      const seen = (await tx`SELECT id FROM job_queue WHERE id IN (${mine}, ${theirs})`).map((r) => r.id);
      expect(seen.sort()).toEqual([mine, theirs].sort());
      expect(await tx`SELECT id FROM get_my_jobs()`).toHaveLength(0);  // "my" stays the admin's own
    });
  });

  it('a user cannot write job rows: no insert, no status/result change (so no self-completed jobs), no delete, no log lines', async () => {
    const alice = await newUser();
    const id = await createJob(alice, 'ai_generate_tags', { w: 1 });
    const claims = claimsFor(alice);
    for (const statement of [
      `UPDATE job_queue SET status = 'completed', result = '{"forged": true}' WHERE id = '${id}'`,
      `UPDATE job_queue SET priority = 10 WHERE id = '${id}'`,
      `DELETE FROM job_queue WHERE id = '${id}'`,
      `INSERT INTO job_queue (user_id, job_type, job_type_id) SELECT '${alice}', 'sync_youtube', job_type_id FROM meta.job_kind WHERE kind = 'sync_youtube'`,
      `INSERT INTO job_log (job_id, message) VALUES ('${id}', 'forged')`,
      `UPDATE meta.job_kind SET description = 'x'`,
      `UPDATE job_type SET max_retries = 20`,
    ]) {
      await expect(asUser(db.app, claims, (tx) => tx.unsafe(statement)), statement).rejects.toMatchObject({ code: '42501' });
    }
    expect(await job(id)).toMatchObject({ status: 'pending', result: null, priority: 5 });
  });

  it('cancel_my_job cancels the caller’s own active job only', async () => {
    const [alice, bob] = [await newUser(), await newUser()];
    const mine = await createJob(alice, 'sync_youtube', { c: 1 });
    const theirs = await createJob(bob, 'sync_youtube', { c: 1 });
    const cancelAs = (user: string, id: string) =>
      asUser(db.app, claimsFor(user), async (tx) => (await tx`SELECT cancel_my_job(${id}) AS ok`)[0]!.ok as boolean);
    expect(await cancelAs(alice, theirs)).toBe(false);
    expect((await job(theirs)).status).toBe('pending');
    expect(await cancelAs(alice, mine)).toBe(true);
    expect(await job(mine)).toMatchObject({ status: 'cancelled', error_message: 'cancelled by the user' });
    expect(await cancelAs(alice, mine)).toBe(false);  // already finished
    const done = await createJob(alice, 'sync_youtube', { c: 2 });
    await startJob(done);
    await completeJob(done);
    expect(await cancelAs(alice, done)).toBe(false);
    expect((await job(done)).status).toBe('completed');
  });
});
