import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { searchContent } from './queries.ts';
import { route } from './routes/search-content.ts';

export const handler = httpHandler(route, ({ query }) => searchContent(sql, query));
