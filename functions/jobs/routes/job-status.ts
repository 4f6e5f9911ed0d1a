import * as z from 'zod/mini';
import { defineRoute } from '../../_shared/route.ts';
import { uuid } from '../../_shared/schemas.ts';
import { tags } from './common.ts';

export const JobIdQuery = z.object({ job_id: uuid });

export const route = defineRoute({ method: 'GET', path: '/job-status', auth: 'user', tags,
  summary: 'Status, progress, result and error of one of the caller’s jobs', query: JobIdQuery });
