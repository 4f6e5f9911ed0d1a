import * as z from 'zod/mini';
import { defineRoute } from '../../_shared/route.ts';
import { cursorParam, limitParam } from '../../_shared/schemas.ts';
import { tags } from './common.ts';

export const NotificationsQuery = z.object({
  unread_only: z.optional(z.pipe(z.enum(['true', 'false']), z.transform((v) => v === 'true'))),
  limit: limitParam(20, 100),
  cursor: cursorParam,
});

export const route = defineRoute({ method: 'GET', path: '/notifications', auth: 'user', tags,
  summary: 'The caller’s notifications, newest first', query: NotificationsQuery });
