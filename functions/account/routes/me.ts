import { defineRoute } from '../../_shared/route.ts';
import { tags } from './common.ts';

export const route = defineRoute({ method: 'GET', path: '/me', auth: 'user', tags,
  summary: 'The caller’s profile, settings, subscription tier and quota usage' });
