import * as z from 'zod/mini';
import { defineRoute } from '../../_shared/route.ts';
import { uuid } from '../../_shared/schemas.ts';
import { tags } from './common.ts';

export const JobCancelBody = z.strictObject({ job_id: uuid });

export const route = defineRoute({ method: 'POST', path: '/job-cancel', auth: 'user', tags,
  summary: 'Cancel one of the caller’s pending, running or retrying jobs', body: JobCancelBody });
