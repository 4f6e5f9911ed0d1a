import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { listTrending } from './queries.ts';
import { routes } from './routes.ts';

export const handler = httpHandler(routes.getTrending, ({ query }) => listTrending(sql, query));
