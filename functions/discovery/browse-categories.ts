import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { browseCategories } from './queries.ts';
import { route } from './routes/browse-categories.ts';

export const handler = httpHandler(route, () => browseCategories(sql));
