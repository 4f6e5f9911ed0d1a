import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { getContentDetail } from './queries.ts';
import { routes } from './routes.ts';

export const handler = httpHandler(routes.getContentDetail, ({ query }) => getContentDetail(sql, query));
