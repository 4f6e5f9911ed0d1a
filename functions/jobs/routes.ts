import { runJobRoute } from './routes/admin-run-job.ts';
import { jobCancelRoute } from './routes/job-cancel.ts';
import { jobLogsRoute } from './routes/job-logs.ts';
import { jobStatsRoute } from './routes/job-stats.ts';
import { jobStatusRoute } from './routes/job-status.ts';
import { jobsRoute } from './routes/jobs.ts';

/** The jobs feature's routes: one Lambda (http.ts) serves them all; the manifest and the OpenAPI document list them. */
export const routes = [jobStatusRoute, jobsRoute, jobLogsRoute, jobCancelRoute, jobStatsRoute, runJobRoute];
