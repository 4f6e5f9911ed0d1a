import * as z from 'zod/mini';
import { db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { getMe, updateMe } from '../queries.ts';
import { MeResponse } from '../responses.ts';
import { profileFields, settings, tags } from './common.ts';

export const meRoute = defineRoute({ method: 'GET', path: '/me', auth: 'user', tags, response: MeResponse,
  summary: 'The caller’s profile, settings, subscription tier and quota usage' },
({ claims }) => getMe(db(), claims));

export const UpdateMeBody = () => z.partial(z.strictObject({ ...profileFields(), settings: settings() }))
  .check(z.refine((body) => Object.keys(body).length > 0, 'Send at least one field to change'));

export const updateMeRoute = defineRoute({ method: 'PATCH', path: '/me', auth: 'user', tags, operationId: 'me-update',
  summary: 'Change the caller’s profile fields and settings', body: UpdateMeBody, response: MeResponse },
({ claims, body }) => updateMe(db(), claims, body));
