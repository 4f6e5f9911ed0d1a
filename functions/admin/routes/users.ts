import * as z from 'zod/mini';
import { defineRoute } from '../../_shared/route.ts';
import { uuid } from '../../_shared/schemas.ts';
import { asAdmin } from '../audit.ts';
import { findUser } from '../queries.ts';
import { AdminUserResponse } from '../responses.ts';
import { tags } from './common.ts';

export const UserQuery = () => z.object({
  id: z.optional(uuid),
  email: z.optional(z.string().check(z.trim(), z.minLength(3), z.maxLength(320), z.regex(/^[^@\s]+@[^@\s]+$/, 'must be an email address'))),
}).check(z.refine((q) => (q.id === undefined) !== (q.email === undefined), { message: 'send exactly one of id and email', path: ['id'] }));

/** Reading a user's private data is recorded in the audit log too. */
export const userRoute = defineRoute({ method: 'GET', path: '/admin-user', auth: 'admin', tags, query: UserQuery,
  response: AdminUserResponse, summary: 'Look a user up by id or email: account, roles, moderation, quotas' },
(request) => asAdmin(request, (admin) => findUser(admin, request.query)));
