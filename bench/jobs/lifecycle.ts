/**
 * DB-side job lifecycle: create → claim → complete through StreamVibe's own functions (as service_role on the app
 * role, one transaction per step, what the API and worker do), next to the same cycle in plain SQL against a plain
 * table of the same shape (no triggers, RLS or functions) in the same database.
 */
import { randomUUID } from 'node:crypto';
import type { Sql, TransactionSql } from 'postgres';
import { asService } from '../../db/context.ts';
import { log, runLoops, type Measurement } from './measure.ts';

/** Kinds the DB-side rounds rotate through (user jobs of four categories; priorities 5, 5, 3, 9). */
export const LIFECYCLE_KINDS = ['sync_youtube', 'ai_generate_tags', 'seo_submit', 'quota_reset'] as const;
/** Jobs per user per round: below the cap of 10 active jobs, so the cap is never what is measured. */
export const JOBS_PER_USER = 8;
const RESULT = { ok: true, items: 42 };

export interface KindInfo {
  kind: string;
  typeId: string;
  priority: number;
  maxRetries: number;
}

export interface Round {
  name: string;
  /** How the jobs were created, and what the drain did per cycle. */
  createHow: string;
  drainHow: string;
  create: Measurement;
  drain: Measurement;
  /** Rows left not completed after the drain (should be 0). */
  leftover: number;
}

export interface LifecycleContext {
  app: Sql;
  owner: Sql;
  users: string[];
  kinds: KindInfo[];
  jobs: number;
  workers: number;
  maxMs: number;
  /** Called after each phase (create, drain) with the jobs it did: the profiler closes a window there. */
  phase?: (label: string, jobs: number) => Promise<void>;
}

/** Creates `count` users as service_role (users rows; the trigger adds their settings), in batches. */
export async function createUsers(app: Sql, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  for (let i = 0; i < ids.length; i += 500) {
    const batch = ids.slice(i, i + 500);
    await asService(app, (tx) => tx`
      INSERT INTO users (id, email) SELECT id, id::text || '@bench.example' FROM unnest(${batch}::uuid[]) AS id`);
  }
  return ids;
}

export async function loadKinds(owner: Sql): Promise<KindInfo[]> {
  const rows = await owner<{ kind: string; type_id: string; priority: number; max_retries: number }[]>`
    SELECT k.kind, t.id AS type_id, t.default_priority AS priority, t.max_retries
    FROM meta.job_kind k JOIN job_type t ON t.id = k.job_type_id WHERE k.kind IN ${owner(LIFECYCLE_KINDS as unknown as string[])}`;
  const byKind = new Map(rows.map((r) => [r.kind, { kind: r.kind, typeId: r.type_id, priority: r.priority, maxRetries: r.max_retries }]));
  return LIFECYCLE_KINDS.map((k) => byKind.get(k)!);
}

/** Plain tables in schema bench_plain: job_queue's columns, defaults, generated params_hash and CHECKs; no triggers, RLS, FKs. */
export async function createPlainTables(owner: Sql): Promise<void> {
  await owner.unsafe(`
    CREATE SCHEMA bench_plain;
    -- minimal: the primary key and the one index the claim needs (a copy of job_queue_dispatch_idx)
    CREATE TABLE bench_plain.job_queue (LIKE public.job_queue INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS);
    ALTER TABLE bench_plain.job_queue ADD PRIMARY KEY (id);
    CREATE INDEX ON bench_plain.job_queue (priority DESC, scheduled_for, id) WHERE status = 'pending' AND dispatched_at IS NULL;
    -- diagnostic: the same plus every index job_queue has (LIKE … INCLUDING ALL copies indexes, not triggers or policies)
    CREATE TABLE bench_plain.job_queue_all_indexes (LIKE public.job_queue INCLUDING ALL);
    GRANT USAGE ON SCHEMA bench_plain TO service_role;
    GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA bench_plain TO service_role;
  `);
}

const jobFor = (ctx: LifecycleContext, round: string, i: number) => {
  const kind = ctx.kinds[i % ctx.kinds.length]!;
  // Consecutive jobs go to different users, so concurrent creators rarely wait on the same user's advisory lock.
  return { userId: ctx.users[i % ctx.users.length]!, kind, params: { round, n: i } };
};

async function settle(owner: Sql, table: string): Promise<void> {
  await owner.unsafe(`VACUUM (ANALYZE) ${table}`);
}

async function leftover(owner: Sql, table: string, round: string): Promise<number> {
  const [row] = await owner.unsafe(`SELECT count(*)::int AS n FROM ${table} WHERE params->>'round' = $1 AND status <> 'completed'`, [round]);
  return row!.n as number;
}

/** One index counter shared by the loops (JavaScript is single-threaded: `next++` hands each index out once). */
function counter(limit: number) {
  let next = 0;
  return () => (next < limit ? next++ : undefined);
}

// ---------------------------------------------------------------------------------------------
// Through StreamVibe's functions (service_role, app role connection)
// ---------------------------------------------------------------------------------------------

const claimDueJob = (tx: TransactionSql, workerId: string) => tx<{ id: string; ok: boolean }[]>`
  SELECT c.id, start_job(c.id, ${workerId}) AS ok
  FROM (SELECT id FROM job_queue
        WHERE status = 'pending' AND dispatched_at IS NULL AND scheduled_for <= now()
        ORDER BY priority DESC, scheduled_for, id
        LIMIT 1 FOR UPDATE SKIP LOCKED) c`;

const claimDueJobs = (tx: TransactionSql, workerId: string, batch: number) => tx<{ job_id: string }[]>`
  SELECT job_id FROM start_jobs(ARRAY(SELECT id FROM job_queue
                                      WHERE status = 'pending' AND dispatched_at IS NULL AND scheduled_for <= now()
                                      ORDER BY priority DESC, scheduled_for, id
                                      LIMIT ${batch} FOR UPDATE SKIP LOCKED), ${workerId})`;

/** complete_jobs for a batch: every job gets the result; throws unless all of them were still this worker's. */
async function completeBatch(app: Sql, ids: string[], workerId: string): Promise<void> {
  const results = Object.fromEntries(ids.map((id) => [id, RESULT]));
  const done = await asService(app, (tx) => tx`SELECT complete_jobs(${tx.json(results)}, ${workerId}) AS id`);
  if (done.length !== ids.length) throw new Error(`complete_jobs completed ${done.length} of ${ids.length} jobs`);
}

/**
 * Round A: create_job, one job per transaction; then, per job, claim (SKIP LOCKED) + start_job in one transaction and
 * complete_job in another; or, with `batch`, claim up to `batch` jobs with start_jobs in one transaction and complete
 * them with complete_jobs in another.
 */
export async function functionsClaimRound(ctx: LifecycleContext, name: string, round: string, batch?: number): Promise<Round> {
  const { app, owner } = ctx;
  const nextCreate = counter(ctx.jobs);
  log(`${name}: creating ${ctx.jobs} jobs with create_job …`);
  const create = await runLoops(`${name} create`, ctx.workers, { maxOps: ctx.jobs, maxMs: ctx.maxMs }, async () => {
    const i = nextCreate();
    if (i === undefined) return false;
    const job = jobFor(ctx, round, i);
    await asService(app, (tx) => tx`SELECT create_job(${job.userId}, ${job.kind.kind}, ${tx.json(job.params)}) AS id`);
    return true;
  });
  await ctx.phase?.('create', create.ops);
  await settle(owner, 'public.job_queue');
  log(`${name}: draining with ${ctx.workers} workers (${batch ? `start_jobs × ${batch} | complete_jobs` : 'claim + start_job | complete_job'}) …`);
  const drain = await runLoops(`${name} drain`, ctx.workers, { maxOps: create.ops, maxMs: ctx.maxMs }, async (w) => {
    const workerId = `bench-w${w}`;
    if (batch) {
      const claimed = await asService(app, (tx) => claimDueJobs(tx, workerId, batch));
      if (claimed.length === 0) return false;
      await completeBatch(app, claimed.map((c) => c.job_id), workerId);
      return { batch: claimed.length };
    }
    const [claimed] = await asService(app, (tx) => claimDueJob(tx, workerId));
    if (!claimed) return false;
    if (!claimed.ok) throw new Error(`start_job refused job ${claimed.id}, which this worker had locked`);
    const [done] = await asService(app, (tx) => tx`SELECT complete_job(${claimed.id}, ${tx.json(RESULT)}, ${workerId}) AS ok`);
    if (!done!.ok) throw new Error(`complete_job refused job ${claimed.id}`);
    return true;
  });
  await ctx.phase?.('drain', drain.ops);
  return {
    name, create, drain, leftover: await leftover(owner, 'public.job_queue', round),
    createHow: 'create_job(user, kind, params): 1 statement in an asService transaction',
    drainHow: batch
      ? `tx 1: start_jobs(ARRAY(SELECT … FOR UPDATE SKIP LOCKED LIMIT ${batch})) (one statement); tx 2: complete_jobs for the batch; cycle = one batch`
      : 'tx 1: SELECT … FOR UPDATE SKIP LOCKED LIMIT 1 + start_job (one statement); tx 2: complete_job',
  };
}

/**
 * Round B, what the real system does: enqueueJob (find_or_create_job + the queue lookup, then mark_jobs_dispatched
 * after the "send") with an in-memory dispatcher that accepts every id; then workers take ids in dispatch order
 * (SQS's role) and do what functions/jobs/worker.ts does around an executor: start_job + read the row in one
 * transaction, update_job_progress, complete_job.
 */
export async function functionsByIdRound(ctx: LifecycleContext, name: string, round: string, batch?: number): Promise<Round> {
  const { app, owner } = ctx;
  const { enqueueJob } = await import('../../functions/jobs/enqueue.ts');
  const dispatched: string[] = [];
  const memoryDispatcher = {
    async dispatch(jobs: { jobId: string }[]) {
      for (const j of jobs) dispatched.push(j.jobId);
      return jobs.map((j) => j.jobId);
    },
  };
  const nextCreate = counter(ctx.jobs);
  log(`${name}: creating ${ctx.jobs} jobs with enqueueJob (in-memory dispatcher) …`);
  const create = await runLoops(`${name} create`, ctx.workers, { maxOps: ctx.jobs, maxMs: ctx.maxMs }, async () => {
    const i = nextCreate();
    if (i === undefined) return false;
    const job = jobFor(ctx, round, i);
    const result = await enqueueJob(app, memoryDispatcher, { userId: job.userId, kind: job.kind.kind, params: job.params });
    if (!result.created) throw new Error(`enqueueJob returned an existing job for ${JSON.stringify(job.params)}`);
    return true;
  });
  await ctx.phase?.('create', create.ops);
  await settle(owner, 'public.job_queue');
  const nextId = counter(dispatched.length);
  log(`${name}: draining ${dispatched.length} known ids with ${ctx.workers} workers ` +
    `(${batch ? `start_jobs × ${batch} | progress each | complete_jobs` : 'start_job | progress | complete_job'}) …`);
  const drain = await runLoops(`${name} drain`, ctx.workers, { maxOps: dispatched.length, maxMs: ctx.maxMs }, async (w) => {
    if (batch) {
      // What functions/jobs/worker.ts does with an SQS batch: claim it, report each job's progress, complete it together.
      const ids = Array.from({ length: batch }, nextId).filter((i) => i !== undefined).map((i) => dispatched[i]!);
      if (ids.length === 0) return false;
      const workerId = `bench-w${w}`;
      const started = await asService(app, (tx) => tx`SELECT job_id FROM start_jobs(${ids}::uuid[], ${workerId})`);
      if (started.length !== ids.length) throw new Error(`start_jobs claimed ${started.length} of ${ids.length} jobs`);
      for (const id of ids) {
        const [p] = await asService(app, (tx) => tx`SELECT update_job_progress(${id}, 50, 'working', ${workerId}) AS ok`);
        if (!p!.ok) throw new Error(`update_job_progress refused job ${id}`);
      }
      await completeBatch(app, ids, workerId);
      return { batch: ids.length };
    }
    const i = nextId();
    if (i === undefined) return false;
    const id = dispatched[i]!;
    const workerId = `bench-w${w}`;
    const started = await asService(app, async (tx) => {
      const [s] = await tx`SELECT start_job(${id}, ${workerId}) AS ok`;
      if (!s!.ok) return false;
      await tx`SELECT user_id, job_type, params, retry_count, max_retries FROM job_queue WHERE id = ${id}`;
      return true;
    });
    if (!started) throw new Error(`start_job refused job ${id}`);
    const [p] = await asService(app, (tx) => tx`SELECT update_job_progress(${id}, 50, 'working', ${workerId}) AS ok`);
    if (!p!.ok) throw new Error(`update_job_progress refused job ${id}`);
    const [done] = await asService(app, (tx) => tx`SELECT complete_job(${id}, ${tx.json(RESULT)}, ${workerId}) AS ok`);
    if (!done!.ok) throw new Error(`complete_job refused job ${id}`);
    return true;
  });
  await ctx.phase?.('drain', drain.ops);
  return {
    name, create, drain, leftover: await leftover(owner, 'public.job_queue', round),
    createHow: 'enqueueJob: tx 1 find_or_create_job + queue lookup; tx 2 mark_jobs_dispatched',
    drainHow: batch
      ? `by id, ${batch} ids at a time (an SQS batch, as worker.ts): tx 1 start_jobs; a tx per job: update_job_progress; ` +
        'last tx complete_jobs; cycle = one batch'
      : 'by id: tx 1 start_job + SELECT the row; tx 2 update_job_progress; tx 3 complete_job',
  };
}

// ---------------------------------------------------------------------------------------------
// Plain SQL: autocommit statements on the owner connection, or (diagnostic) each in an asService transaction
// ---------------------------------------------------------------------------------------------

type Runner = <T extends readonly unknown[]>(query: (s: Sql | TransactionSql) => Promise<T>) => Promise<T>;

/** `autocommit`: one round trip per step. `service-tx`: each step wrapped like asService (BEGIN, set_config, step, COMMIT). */
function plainRunner(ctx: LifecycleContext, mode: 'autocommit' | 'service-tx'): Runner {
  return mode === 'autocommit'
    ? (query) => query(ctx.owner)
    : (query) => asService(ctx.app, (tx) => query(tx));
}

export async function plainClaimRound(
  ctx: LifecycleContext, name: string, round: string, table: string, mode: 'autocommit' | 'service-tx' = 'autocommit',
): Promise<Round> {
  const run = plainRunner(ctx, mode);
  const nextCreate = counter(ctx.jobs);
  log(`${name}: inserting ${ctx.jobs} jobs …`);
  const create = await runLoops(`${name} create`, ctx.workers, { maxOps: ctx.jobs, maxMs: ctx.maxMs }, async () => {
    const i = nextCreate();
    if (i === undefined) return false;
    const job = jobFor(ctx, round, i);
    await run((s) => s.unsafe(`
      INSERT INTO ${table} (user_id, job_type, job_type_id, params, priority, max_retries) VALUES ($1, $2, $3, $4, $5, $6)`,
    [job.userId, job.kind.kind, job.kind.typeId, job.params as never, job.kind.priority, job.kind.maxRetries], { prepare: true }));
    return true;
  });
  await settle(ctx.owner, table);
  log(`${name}: draining with ${ctx.workers} workers (UPDATE … WHERE id = (SELECT … SKIP LOCKED) | complete) …`);
  const drain = await runLoops(`${name} drain`, ctx.workers, { maxOps: create.ops, maxMs: ctx.maxMs }, async (w) => {
    const workerId = `bench-w${w}`;
    const [claimed] = await run((s) => s.unsafe(`
      UPDATE ${table} SET status = 'processing', worker_id = $1, started_at = now(), heartbeat_at = now(), progress = 0,
                          progress_message = NULL, updated_at = now()
      WHERE id = (SELECT id FROM ${table}
                  WHERE status = 'pending' AND dispatched_at IS NULL AND scheduled_for <= now()
                  ORDER BY priority DESC, scheduled_for, id
                  LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING id`, [workerId], { prepare: true }));
    if (!claimed) return false;
    const done = await run((s) => s.unsafe(`
      UPDATE ${table} SET status = 'completed', result = $2, progress = 100, error_message = NULL, completed_at = now(), updated_at = now()
      WHERE id = $1 AND status = 'processing' AND worker_id = $3`, [claimed.id, RESULT as never, workerId], { prepare: true }));
    if (done.count !== 1) throw new Error(`plain complete missed job ${claimed.id}`);
    return true;
  });
  return {
    name, create, drain, leftover: await leftover(ctx.owner, table, round),
    createHow: mode === 'autocommit' ? 'INSERT, autocommit' : 'INSERT in an asService transaction',
    drainHow: mode === 'autocommit'
      ? 'UPDATE … WHERE id = (SELECT … FOR UPDATE SKIP LOCKED LIMIT 1); UPDATE … completed (2 autocommit statements)'
      : 'the same 2 statements, each in its own asService transaction',
  };
}

export async function plainByIdRound(ctx: LifecycleContext, name: string, round: string, table: string): Promise<Round> {
  const { owner } = ctx;
  const ids: string[] = [];
  const nextCreate = counter(ctx.jobs);
  log(`${name}: inserting ${ctx.jobs} jobs …`);
  const create = await runLoops(`${name} create`, ctx.workers, { maxOps: ctx.jobs, maxMs: ctx.maxMs }, async () => {
    const i = nextCreate();
    if (i === undefined) return false;
    const job = jobFor(ctx, round, i);
    const [row] = await owner.unsafe(`
      INSERT INTO ${table} (user_id, job_type, job_type_id, params, priority, max_retries) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [job.userId, job.kind.kind, job.kind.typeId, job.params as never, job.kind.priority, job.kind.maxRetries], { prepare: true });
    ids.push(row!.id as string);
    return true;
  });
  await settle(owner, table);
  const nextId = counter(ids.length);
  log(`${name}: draining ${ids.length} known ids with ${ctx.workers} workers (start | progress | complete) …`);
  const drain = await runLoops(`${name} drain`, ctx.workers, { maxOps: ids.length, maxMs: ctx.maxMs }, async (w) => {
    const i = nextId();
    if (i === undefined) return false;
    const id = ids[i]!;
    const workerId = `bench-w${w}`;
    const started = await owner.unsafe(`
      UPDATE ${table} SET status = 'processing', worker_id = $2, started_at = now(), heartbeat_at = now(), progress = 0,
                          progress_message = NULL, updated_at = now()
      WHERE id = $1 AND status = 'pending' AND scheduled_for <= now()
      RETURNING user_id, job_type, params, retry_count, max_retries`, [id, workerId], { prepare: true });
    if (started.count !== 1) throw new Error(`plain start missed job ${id}`);
    const progressed = await owner.unsafe(`
      UPDATE ${table} SET progress = 50, progress_message = 'working', heartbeat_at = now(), updated_at = now()
      WHERE id = $1 AND status = 'processing' AND worker_id = $2`, [id, workerId], { prepare: true });
    if (progressed.count !== 1) throw new Error(`plain progress missed job ${id}`);
    const done = await owner.unsafe(`
      UPDATE ${table} SET status = 'completed', result = $2, progress = 100, error_message = NULL, completed_at = now(), updated_at = now()
      WHERE id = $1 AND status = 'processing' AND worker_id = $3`, [id, RESULT as never, workerId], { prepare: true });
    if (done.count !== 1) throw new Error(`plain complete missed job ${id}`);
    return true;
  });
  return {
    name, create, drain, leftover: await leftover(owner, table, round),
    createHow: 'INSERT … RETURNING id, autocommit',
    drainHow: 'by id: UPDATE start … RETURNING the row; UPDATE progress; UPDATE completed (3 autocommit statements)',
  };
}

/** job_queue's triggers that call pg_notify (through notify_job_status_change), whatever the migrations name them. */
export async function notifyTriggers(owner: Sql): Promise<string[]> {
  const rows = await owner<{ name: string }[]>`
    SELECT t.tgname AS name FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
    WHERE t.tgrelid = 'public.job_queue'::regclass AND NOT t.tgisinternal AND p.prosrc ILIKE '%pg_notify%'
    ORDER BY t.tgname`;
  return rows.map((r) => r.name);
}

/** Diagnostic: runs `work` with job_queue's NOTIFY triggers disabled (owner DDL on the throwaway database). */
export async function withoutNotifyTriggers<T>(owner: Sql, work: () => Promise<T>): Promise<T> {
  const names = await notifyTriggers(owner);
  const alter = (action: 'ENABLE' | 'DISABLE') =>
    owner.unsafe(`ALTER TABLE public.job_queue ${names.map((n) => `${action} TRIGGER "${n}"`).join(', ')}`);
  if (names.length) await alter('DISABLE');
  try {
    return await work();
  } finally {
    if (names.length) await alter('ENABLE');
  }
}

/**
 * Creation only, through create_job (one transaction) or enqueueJob (what the API does: find_or_create_job + the
 * queue lookup, then mark_jobs_dispatched in a second transaction; in-memory dispatcher). The jobs are then marked
 * completed in one owner statement (not measured), so the next measurement starts from the same state.
 */
export async function functionsCreateOnly(
  ctx: LifecycleContext, name: string, round: string, how: 'create_job' | 'enqueueJob',
): Promise<Measurement> {
  const { app, owner } = ctx;
  const { enqueueJob } = await import('../../functions/jobs/enqueue.ts');
  const memoryDispatcher = { dispatch: async (jobs: { jobId: string }[]) => jobs.map((j) => j.jobId) };
  const nextCreate = counter(ctx.jobs);
  const create = await runLoops(name, ctx.workers, { maxOps: ctx.jobs, maxMs: ctx.maxMs }, async () => {
    const i = nextCreate();
    if (i === undefined) return false;
    const job = jobFor(ctx, round, i);
    if (how === 'create_job') {
      await asService(app, (tx) => tx`SELECT create_job(${job.userId}, ${job.kind.kind}, ${tx.json(job.params)}) AS id`);
    } else {
      await enqueueJob(app, memoryDispatcher, { userId: job.userId, kind: job.kind.kind, params: job.params });
    }
    return true;
  });
  await owner`
    UPDATE job_queue SET status = 'completed', worker_id = 'bench', started_at = now(), heartbeat_at = now(), completed_at = now(), progress = 100
    WHERE params->>'round' = ${round} AND status = 'pending'`;
  return create;
}
