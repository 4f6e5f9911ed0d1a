import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { listJobLogs } from './queries.ts';
import { routes } from './routes.ts';

export const handler = httpHandler(routes.jobLogs, ({ claims, query }) => listJobLogs(sql, claims, query));
