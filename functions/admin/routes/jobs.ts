import * as z from 'zod/mini';
import { defineRoute } from '../../_shared/route.ts';
import { cursorParam, limitParam, uuid } from '../../_shared/schemas.ts';
import { asAdmin } from '../audit.ts';
import { jobHealth, listJobs } from '../queries.ts';
import { AdminJobsResponse, JobHealthResponse } from '../responses.ts';
import { instant, tags } from './common.ts';

const JOB_STATUSES = ['pending', 'processing', 'completed', 'failed', 'cancelled'] as const;

export const AdminJobsQuery = () => z.object({
  status: z.optional(z.enum(JOB_STATUSES)),
  job_type: z.optional(z.string().check(z.regex(/^[a-z][a-z0-9_]{1,49}$/, 'must be a job kind such as sync_youtube or a category such as platform_sync'))),
  user_id: z.optional(uuid),
  from: z.optional(instant()),
  to: z.optional(instant()),
  limit: limitParam(50, 200),
  cursor: cursorParam,
});

export const adminJobsRoute = defineRoute({ method: 'GET', path: '/admin-jobs', auth: 'admin', tags, query: AdminJobsQuery,
  response: AdminJobsResponse,
  summary: 'Jobs across users, newest first: by status, kind or category, user and creation time (from inclusive, to exclusive)' },
(request) => asAdmin(request, (admin) => listJobs(admin, request.query)));

export const jobHealthRoute = defineRoute({ method: 'GET', path: '/admin-job-health', auth: 'admin', tags, response: JobHealthResponse,
  summary: 'Stuck and failing job kinds: per kind, what waits, runs, is stuck or retrying, and the last 24 h’s failures and failure rate' },
(request) => asAdmin(request, (admin) => jobHealth(admin)));
