import * as z from 'zod/mini';
import { defineRoute } from '../_shared/route.ts';
import { cursorParam, limitParam, offsetParam, uuid } from '../_shared/schemas.ts';

const JOB_STATUSES = ['pending', 'processing', 'completed', 'failed', 'cancelled'] as const;
const jobKind = z.string().check(z.regex(/^[a-z][a-z0-9_]{1,49}$/, 'must be a job kind such as sync_youtube or a category such as platform_sync'));

export const JobStatus = z.object({
  id: uuid, job_type: z.string(), job_category: z.string(), status: z.enum(JOB_STATUSES), progress: z.number(),
  progress_message: z.nullable(z.string()), result: z.unknown(), error_message: z.nullable(z.string()),
  retry_count: z.number(), max_retries: z.number(), next_retry_at: z.nullable(z.string()), created_at: z.string(),
  started_at: z.nullable(z.string()), completed_at: z.nullable(z.string()),
});

export const JobIdQuery = z.object({ job_id: uuid });
// get_my_jobs returns at most 100 rows: pages of up to 50 leave room for the row that tells whether more exist.
export const JobsQuery = z.object({ status: z.optional(z.enum(JOB_STATUSES)), job_type: z.optional(jobKind), limit: limitParam(20, 50), offset: offsetParam });
export const JobLogsQuery = z.object({ job_id: uuid, limit: limitParam(100, 500), cursor: cursorParam });
export const JobCancelBody = z.strictObject({ job_id: uuid });
export const RunJobBody = z.strictObject({
  job_type: z.enum(['quota_reset', 'trending_refresh']),
  params: z._default(z.record(z.string(), z.union([z.string().check(z.maxLength(200)), z.number(), z.boolean()]))
    .check(z.refine((p) => Object.keys(p).length <= 10)), {}),
});

const Stat = z.object({ job_type: z.string(), job_category: z.string(), status: z.string(), job_count: z.number() });
const tags = ['Jobs'];
export const routes = {
  jobStatus: defineRoute({ method: 'GET', path: '/job-status', auth: 'user', tags, summary: 'Status, progress, result and error of one of the caller’s jobs',
    query: JobIdQuery, response: JobStatus }),
  jobs: defineRoute({ method: 'GET', path: '/jobs', auth: 'user', tags, summary: 'The caller’s jobs, newest first, filtered by status and kind or category',
    query: JobsQuery, response: z.object({ items: z.array(JobStatus), page: z.object({ limit: z.number(), offset: z.number(), has_more: z.boolean() }) }) }),
  jobLogs: defineRoute({ method: 'GET', path: '/job-logs', auth: 'user', tags, summary: 'The log lines of one of the caller’s jobs, oldest first',
    query: JobLogsQuery,
    response: z.object({ items: z.array(z.object({ id: z.number(), level: z.string(), message: z.string(), data: z.unknown(), created_at: z.string() })),
      page: z.object({ limit: z.number(), has_more: z.boolean(), next_cursor: z.nullable(z.string()) }) }) }),
  jobCancel: defineRoute({ method: 'POST', path: '/job-cancel', auth: 'user', tags, summary: 'Cancel one of the caller’s pending, running or retrying jobs',
    body: JobCancelBody, response: z.object({ cancelled: z.literal(true), job: JobStatus }) }),
  jobStats: defineRoute({ method: 'GET', path: '/job-stats', auth: 'user', tags, summary: 'Counts of the caller’s jobs per kind and status (admins also get queue-wide counts)',
    response: z.object({ mine: z.array(Stat), queue: z.optional(z.array(Stat)) }) }),
  runJob: defineRoute({ method: 'POST', path: '/admin-run-job', auth: 'admin', tags: ['Admin'], summary: 'Run a maintenance job now (quota reset, trending refresh)',
    body: RunJobBody, successStatus: 202, response: z.object({ job_id: uuid, created: z.boolean(), status: z.string() }) }),
};
