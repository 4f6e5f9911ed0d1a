import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { listJobLogs } from './queries.ts';
import { route } from './routes/job-logs.ts';

export const handler = httpHandler(route, ({ claims, query }) => listJobLogs(sql, claims, query));
