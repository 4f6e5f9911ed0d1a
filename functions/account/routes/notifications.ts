import * as z from 'zod/mini';
import { db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { cursorParam, limitParam, uuid } from '../../_shared/schemas.ts';
import { listNotifications, markNotificationsRead } from '../queries.ts';
import { MarkReadResponse, NotificationsResponse } from '../responses.ts';
import { tags } from './common.ts';

export const NotificationsQuery = () => z.object({
  unread_only: z.optional(z.pipe(z.enum(['true', 'false']), z.transform((v) => v === 'true'))),
  limit: limitParam(20, 100),
  cursor: cursorParam,
});

export const notificationsRoute = defineRoute({ method: 'GET', path: '/notifications', auth: 'user', tags, query: NotificationsQuery,
  response: NotificationsResponse, summary: 'The caller’s notifications, newest first' },
({ claims, query }) => listNotifications(db(), claims, query));

export const MarkReadBody = () => z.union([
  z.strictObject({ ids: z.array(uuid).check(z.minLength(1), z.maxLength(100)) }),
  z.strictObject({ all: z.literal(true) }),
]);

export const markNotificationsReadRoute = defineRoute({ method: 'POST', path: '/notifications-mark-read', auth: 'user', tags,
  body: MarkReadBody, response: MarkReadResponse, summary: 'Mark some or all notifications read' },
({ claims, body }) => markNotificationsRead(db(), claims, body));
