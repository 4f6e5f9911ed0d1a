import { defineRoute } from '../../_shared/route.ts';
import { tags } from './common.ts';

export const route = defineRoute({ method: 'GET', path: '/job-stats', auth: 'user', tags,
  summary: 'Counts of the caller’s jobs per kind and status (admins also get queue-wide counts)' });
