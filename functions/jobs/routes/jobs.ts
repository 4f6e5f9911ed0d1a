import * as z from 'zod/mini';
import { db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { listJobs } from '../queries.ts';
import { JobsResponse } from '../responses.ts';
import { limitParam, offsetParam } from '../../_shared/schemas.ts';
import { JOB_STATUSES, tags } from './common.ts';

const jobKind = () => z.string().check(z.regex(/^[a-z][a-z0-9_]{1,49}$/, 'must be a job kind such as sync_youtube or a category such as platform_sync'));
// get_my_jobs returns at most 100 rows: pages of up to 50 leave room for the row that tells whether more exist.
export const JobsQuery = () => z.object({ status: z.optional(z.enum(JOB_STATUSES)), job_type: z.optional(jobKind()), limit: limitParam(20, 50), offset: offsetParam });

export const jobsRoute = defineRoute({ method: 'GET', path: '/jobs', auth: 'user', tags,
  response: JobsResponse,
  summary: 'The caller’s jobs, newest first, filtered by status and kind or category', query: JobsQuery },
({ claims, query }) => listJobs(db(), claims, query));
