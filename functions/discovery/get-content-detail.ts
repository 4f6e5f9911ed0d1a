import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { getContentDetail } from './queries.ts';
import { route } from './routes/get-content-detail.ts';

export const handler = httpHandler(route, ({ query }) => getContentDetail(sql, query));
