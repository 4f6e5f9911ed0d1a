import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { markNotificationsRead } from './queries.ts';
import { routes } from './routes.ts';

export const handler = httpHandler(routes.markNotificationsRead, ({ claims, body }) => markNotificationsRead(sql, claims, body));
