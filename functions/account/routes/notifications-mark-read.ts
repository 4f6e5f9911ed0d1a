import * as z from 'zod/mini';
import { defineRoute } from '../../_shared/route.ts';
import { uuid } from '../../_shared/schemas.ts';
import { tags } from './common.ts';

export const MarkReadBody = z.union([
  z.strictObject({ ids: z.array(uuid).check(z.minLength(1), z.maxLength(100)) }),
  z.strictObject({ all: z.literal(true) }),
]);

export const route = defineRoute({ method: 'POST', path: '/notifications-mark-read', auth: 'user', tags,
  summary: 'Mark some or all notifications read', body: MarkReadBody });
