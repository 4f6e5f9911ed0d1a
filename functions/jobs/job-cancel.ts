import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { cancelJob } from './queries.ts';
import { route } from './routes/job-cancel.ts';

export const handler = httpHandler(route, ({ claims, body }) => cancelJob(sql, claims, body.job_id));
