import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { listTrending } from './queries.ts';
import { route } from './routes/get-trending.ts';

export const handler = httpHandler(route, ({ query }) => listTrending(sql, query));
