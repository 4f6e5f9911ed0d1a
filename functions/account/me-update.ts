import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { updateMe } from './queries.ts';
import { route } from './routes/me-update.ts';

export const handler = httpHandler(route, ({ claims, body }) => updateMe(sql, claims, body));
