import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { getCreatorBySlug } from './queries.ts';
import { route } from './routes/get-creator-by-slug.ts';

export const handler = httpHandler(route, ({ query }) => getCreatorBySlug(sql, query));
