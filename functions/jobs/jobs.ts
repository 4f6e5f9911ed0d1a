import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { listJobs } from './queries.ts';
import { route } from './routes/jobs.ts';

export const handler = httpHandler(route, ({ claims, query }) => listJobs(sql, claims, query));
