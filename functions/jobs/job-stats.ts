import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { jobStats } from './queries.ts';
import { route } from './routes/job-stats.ts';

export const handler = httpHandler(route, ({ claims }) => jobStats(sql, claims));
