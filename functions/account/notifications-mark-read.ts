import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { markNotificationsRead } from './queries.ts';
import { route } from './routes/notifications-mark-read.ts';

export const handler = httpHandler(route, ({ claims, body }) => markNotificationsRead(sql, claims, body));
