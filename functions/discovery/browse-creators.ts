import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { browseCreators } from './queries.ts';
import { routes } from './routes.ts';

export const handler = httpHandler(routes.browseCreators, ({ query }) => browseCreators(sql, query));
