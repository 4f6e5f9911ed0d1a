import { defineRoute } from '../../_shared/route.ts';
import { tags } from './common.ts';

export const route = defineRoute({ method: 'GET', path: '/browse-categories', auth: 'public', tags,
  cache: { maxAgeSeconds: 300, sMaxAgeSeconds: 600 }, summary: 'Active categories with (cached) item counts' });
