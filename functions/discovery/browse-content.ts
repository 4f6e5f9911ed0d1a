import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { browseContent } from './queries.ts';
import { route } from './routes/browse-content.ts';

export const handler = httpHandler(route, ({ query }) => browseContent(sql, query));
