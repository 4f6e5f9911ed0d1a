import * as z from 'zod/mini';
import { defineRoute } from '../../_shared/route.ts';
import { profileFields, settings, tags } from './common.ts';

export const UpdateMeBody = z.partial(z.strictObject({ ...profileFields(), settings: settings() }))
  .check(z.refine((body) => Object.keys(body).length > 0, 'Send at least one field to change'));

export const route = defineRoute({ method: 'PATCH', path: '/me', auth: 'user', tags,
  summary: 'Change the caller’s profile fields and settings', body: UpdateMeBody });
