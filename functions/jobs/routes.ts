import { documented } from '../_shared/route.ts';
import * as responses from './responses.ts';
import { route as runJob } from './routes/admin-run-job.ts';
import { route as jobCancel } from './routes/job-cancel.ts';
import { route as jobLogs } from './routes/job-logs.ts';
import { route as jobStats } from './routes/job-stats.ts';
import { route as jobStatus } from './routes/job-status.ts';
import { route as jobs } from './routes/jobs.ts';

/**
 * The jobs routes as the manifest, the local gateway and the OpenAPI document see them. Each handler imports its own
 * module under routes/ instead, so its bundle holds its own schemas and no response schemas.
 */
export const routes = {
  jobStatus: documented(jobStatus, responses.JobStatus),
  jobs: documented(jobs, responses.JobsResponse),
  jobLogs: documented(jobLogs, responses.JobLogsResponse),
  jobCancel: documented(jobCancel, responses.JobCancelResponse),
  jobStats: documented(jobStats, responses.JobStatsResponse),
  runJob: documented(runJob, responses.RunJobResponse),
};
