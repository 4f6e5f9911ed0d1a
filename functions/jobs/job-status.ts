import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { getJobStatus } from './queries.ts';
import { route } from './routes/job-status.ts';

export const handler = httpHandler(route, ({ claims, query }) => getJobStatus(sql, claims, query.job_id));
