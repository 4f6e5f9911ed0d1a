import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { browseCreators } from './queries.ts';
import { route } from './routes/browse-creators.ts';

export const handler = httpHandler(route, ({ query }) => browseCreators(sql, query));
