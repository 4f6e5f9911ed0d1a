import type { Sql, TransactionSql } from 'postgres';
import type { Claims } from '../../db/roles.ts';
import { isAdmin } from '../_shared/claims.ts';
import { makeCursor, readCursor } from '../_shared/cursor.ts';
import { asService, asUser } from '../_shared/db.ts';
import { ConflictError, NotFoundError } from '../_shared/errors.ts';
import type { Parsed } from '../_shared/route.ts';
import type { JobLogsQuery } from './routes/job-logs.ts';
import type { JobsQuery } from './routes/jobs.ts';

const JOB_COLUMNS = ['id', 'job_type', 'job_category', 'status', 'progress', 'progress_message', 'result', 'error_message',
  'retry_count', 'max_retries', 'next_retry_at', 'created_at', 'started_at', 'completed_at'] as const;

/** One of the caller's jobs (row-level security hides everyone else's: theirs is a 404, not a 403). */
async function findJob(tx: TransactionSql, jobId: string) {
  const [job] = await tx`
    SELECT q.id, q.job_type, t.slug AS job_category, q.status, q.progress, q.progress_message, q.result, q.error_message,
           q.retry_count, q.max_retries, q.next_retry_at, q.created_at, q.started_at, q.completed_at
    FROM job_queue q JOIN job_type t ON t.id = q.job_type_id
    WHERE q.id = ${jobId}`;
  if (!job) throw new NotFoundError('No such job');
  return job;
}

export const getJobStatus = (sql: Sql, claims: Claims, jobId: string) => asUser(sql, claims, (tx) => findJob(tx, jobId));

export function listJobs(sql: Sql, claims: Claims, query: Parsed<typeof JobsQuery>) {
  return asUser(sql, claims, async (tx) => {
    const rows = await tx`SELECT ${tx([...JOB_COLUMNS])} FROM get_my_jobs(${query.status ?? null}, ${query.job_type ?? null}, ${query.limit + 1}, ${query.offset})`;
    const hasMore = rows.length > query.limit;
    return { items: rows.slice(0, query.limit), page: { limit: query.limit, offset: query.offset, has_more: hasMore } };
  });
}

const JOB_LOGS_ORDERING = 'job-logs';

export function listJobLogs(sql: Sql, claims: Claims, query: Parsed<typeof JobLogsQuery>) {
  const [after = '0'] = query.cursor ? readCursor(query.cursor, JOB_LOGS_ORDERING, ['integer']) : [];
  return asUser(sql, claims, async (tx) => {
    await findJob(tx, query.job_id);
    const rows = await tx`
      SELECT id::float8 AS id, level, message, data, created_at FROM job_log
      WHERE job_id = ${query.job_id} AND id > ${after}::bigint
      ORDER BY id LIMIT ${query.limit + 1}`;
    const items = rows.slice(0, query.limit);
    const hasMore = rows.length > query.limit;
    return { items, page: { limit: query.limit, has_more: hasMore, next_cursor: hasMore ? makeCursor(JOB_LOGS_ORDERING, [items.at(-1)!.id]) : null } };
  });
}

export function cancelJob(sql: Sql, claims: Claims, jobId: string) {
  return asUser(sql, claims, async (tx) => {
    const job = await findJob(tx, jobId);
    const [row] = await tx`SELECT cancel_my_job(${jobId}) AS cancelled`;
    if (!row!.cancelled) throw new ConflictError(`The job is ${job.status} and can no longer be cancelled`);
    return { cancelled: true as const, job: await findJob(tx, jobId) };
  });
}

const STAT_COLUMNS = ['job_type', 'job_category', 'status', 'job_count'];
export async function jobStats(sql: Sql, claims: Claims) {
  const mine = await asUser(sql, claims, (tx) => tx`SELECT ${tx(STAT_COLUMNS)} FROM get_my_job_stats()`);
  if (!isAdmin(claims)) return { mine: mine.map(numericCounts) };
  const queue = await asService(sql, (tx) => tx`SELECT ${tx(STAT_COLUMNS)} FROM get_job_queue_stats(NULL)`);
  return { mine: mine.map(numericCounts), queue: queue.map(numericCounts) };
}

const numericCounts = (row: Record<string, unknown>) => ({ ...row, job_count: Number(row.job_count) });
