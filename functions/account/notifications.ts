import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { listNotifications } from './queries.ts';
import { routes } from './routes.ts';

export const handler = httpHandler(routes.notifications, ({ claims, query }) => listNotifications(sql, claims, query));
