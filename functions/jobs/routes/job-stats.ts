import { db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { jobStats } from '../queries.ts';
import { JobStatsResponse } from '../responses.ts';
import { tags } from './common.ts';

export const jobStatsRoute = defineRoute({ method: 'GET', path: '/job-stats', auth: 'user', tags,
  response: JobStatsResponse,
  summary: 'Counts of the caller’s jobs per kind and status (admins also get queue-wide counts)' },
({ claims }) => jobStats(db(), claims));
