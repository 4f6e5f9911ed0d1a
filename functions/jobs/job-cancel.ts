import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { cancelJob } from './queries.ts';
import { routes } from './routes.ts';

export const handler = httpHandler(routes.jobCancel, ({ claims, body }) => cancelJob(sql, claims, body.job_id));
