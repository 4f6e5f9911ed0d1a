import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { searchContent } from './queries.ts';
import { routes } from './routes.ts';

export const handler = httpHandler(routes.searchContent, ({ query }) => searchContent(sql, query));
