import * as z from 'zod/mini';
import { uuid } from '../_shared/schemas.ts';
import { JOB_STATUSES } from './routes/common.ts';

/** What the jobs routes answer, for the OpenAPI document (routes.ts attaches each to its route). */
export const JobStatus = () => z.object({
  id: uuid, job_type: z.string(), job_category: z.string(), status: z.enum(JOB_STATUSES), progress: z.number(),
  progress_message: z.nullable(z.string()), result: z.unknown(), error_message: z.nullable(z.string()),
  retry_count: z.number(), max_retries: z.number(), next_retry_at: z.nullable(z.string()), created_at: z.string(),
  started_at: z.nullable(z.string()), completed_at: z.nullable(z.string()),
});
export const JobsResponse = () => z.object({ items: z.array(JobStatus()), page: z.object({ limit: z.number(), offset: z.number(), has_more: z.boolean() }) });
export const JobLogsResponse = () => z.object({
  items: z.array(z.object({ id: z.number(), level: z.string(), message: z.string(), data: z.unknown(), created_at: z.string() })),
  page: z.object({ limit: z.number(), has_more: z.boolean(), next_cursor: z.nullable(z.string()) }),
});
export const JobCancelResponse = () => z.object({ cancelled: z.literal(true), job: JobStatus() });
const Stat = () => z.object({ job_type: z.string(), job_category: z.string(), status: z.string(), job_count: z.number() });
export const JobStatsResponse = () => z.object({ mine: z.array(Stat()), queue: z.optional(z.array(Stat())) });
export const RunJobResponse = () => z.object({ job_id: uuid, created: z.boolean(), status: z.string() });
