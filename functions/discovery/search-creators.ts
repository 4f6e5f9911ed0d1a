import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { searchCreators } from './queries.ts';
import { routes } from './routes.ts';

export const handler = httpHandler(routes.searchCreators, ({ query }) => searchCreators(sql, query));
