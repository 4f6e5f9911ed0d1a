import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { getJobStatus } from './queries.ts';
import { routes } from './routes.ts';

export const handler = httpHandler(routes.jobStatus, ({ claims, query }) => getJobStatus(sql, claims, query.job_id));
