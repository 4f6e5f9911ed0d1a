import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { queueUrls, sqsClient } from '../_shared/queues.ts';
import { sqsJobDispatcher } from './dispatcher.ts';
import { enqueueJob } from './enqueue.ts';
import { route } from './routes/admin-run-job.ts';

const dispatcher = sqsJobDispatcher(sqsClient(), queueUrls());

/** The job belongs to the admin who started it, so it shows in their /jobs with its progress. */
export const handler = httpHandler(route, async ({ claims, body }) => {
  const job = await enqueueJob(sql, dispatcher, { userId: claims.sub, kind: body.job_type, params: body.params });
  return { job_id: job.jobId, created: job.created, status: job.status };
});
