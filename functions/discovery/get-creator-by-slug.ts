import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { getCreatorBySlug } from './queries.ts';
import { routes } from './routes.ts';

export const handler = httpHandler(routes.getCreatorBySlug, ({ query }) => getCreatorBySlug(sql, query));
