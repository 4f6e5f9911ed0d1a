import * as z from 'zod/mini';
import { db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { jobDispatcher } from '../dispatcher.ts';
import { enqueueJob } from '../enqueue.ts';
import { RunJobResponse } from '../responses.ts';

/** A job parameter: a short string, a finite number or a boolean (jobs are deduplicated on their parameters). */
const isParamValue = (value: unknown) => typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))
  || (typeof value === 'string' && value.length <= 200);

export const RunJobBody = () => z.strictObject({
  job_type: z.enum(['quota_reset', 'trending_refresh']),
  params: z._default(z.record(z.string().check(z.maxLength(64)), z.unknown()).check(
    z.refine((p) => Object.keys(p).length <= 10, 'at most 10 parameters'),
    z.refine((p) => Object.values(p).every(isParamValue), 'parameter values are strings of at most 200 characters, numbers or booleans'),
  ), {}),
});

/** The job belongs to the admin who started it, so it shows in their /jobs with its progress. */
export const runJobRoute = defineRoute({ method: 'POST', path: '/admin-run-job', auth: 'admin', tags: ['Admin'],
  summary: 'Run a maintenance job now (quota reset, trending refresh)', body: RunJobBody, successStatus: 202, response: RunJobResponse },
async ({ claims, body }) => {
  const job = await enqueueJob(db(), jobDispatcher(), { userId: claims.sub, kind: body.job_type, params: body.params });
  return { job_id: job.jobId, created: job.created, status: job.status };
});
