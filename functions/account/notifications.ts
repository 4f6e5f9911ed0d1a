import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { listNotifications } from './queries.ts';
import { route } from './routes/notifications.ts';

export const handler = httpHandler(route, ({ claims, query }) => listNotifications(sql, claims, query));
