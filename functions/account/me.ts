import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { getMe } from './queries.ts';
import { route } from './routes/me.ts';

export const handler = httpHandler(route, ({ claims }) => getMe(sql, claims));
