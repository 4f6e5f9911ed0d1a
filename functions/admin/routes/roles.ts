import * as z from 'zod/mini';
import { GRANTABLE_ROLES } from '../../../db/admin-roles.ts';
import { defineRoute, type Parsed } from '../../_shared/route.ts';
import { uuid } from '../../_shared/schemas.ts';
import { asAdmin } from '../audit.ts';
import { changeRole } from '../queries.ts';
import { ChangeResponse, RolesState } from '../responses.ts';
import { tags } from './common.ts';

export const RoleBody = () => z.strictObject({ user_id: uuid, role: z.enum(GRANTABLE_ROLES) });
const summary = (verb: string) => `${verb} a role (admin, moderator); effective at the user’s next token`;

export const grantRoleRoute = defineRoute({ method: 'POST', path: '/admin-role-grant', auth: 'admin', tags, body: RoleBody,
  response: ChangeResponse(RolesState), summary: summary('Grant') },
(request) => asAdmin(request, (admin) => changeRole(admin, request.body as Parsed<typeof RoleBody>, 'grant')));

export const revokeRoleRoute = defineRoute({ method: 'POST', path: '/admin-role-revoke', auth: 'admin', tags, body: RoleBody,
  response: ChangeResponse(RolesState), summary: summary('Revoke') },
(request) => asAdmin(request, (admin) => changeRole(admin, request.body as Parsed<typeof RoleBody>, 'revoke')));
