import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { searchCreators } from './queries.ts';
import { route } from './routes/search-creators.ts';

export const handler = httpHandler(route, ({ query }) => searchCreators(sql, query));
