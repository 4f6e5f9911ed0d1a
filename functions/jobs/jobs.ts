import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { listJobs } from './queries.ts';
import { routes } from './routes.ts';

export const handler = httpHandler(routes.jobs, ({ claims, query }) => listJobs(sql, claims, query));
