import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { browseContent } from './queries.ts';
import { routes } from './routes.ts';

export const handler = httpHandler(routes.browseContent, ({ query }) => browseContent(sql, query));
