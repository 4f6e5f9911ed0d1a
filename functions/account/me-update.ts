import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { updateMe } from './queries.ts';
import { routes } from './routes.ts';

export const handler = httpHandler(routes.updateMe, ({ claims, body }) => updateMe(sql, claims, body));
