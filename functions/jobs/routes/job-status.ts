import * as z from 'zod/mini';
import { db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { getJobStatus } from '../queries.ts';
import { JobStatus } from '../responses.ts';
import { uuid } from '../../_shared/schemas.ts';
import { tags } from './common.ts';

export const JobIdQuery = () => z.object({ job_id: uuid });

export const jobStatusRoute = defineRoute({ method: 'GET', path: '/job-status', auth: 'user', tags,
  response: JobStatus,
  summary: 'Status, progress, result and error of one of the caller’s jobs', query: JobIdQuery },
({ claims, query }) => getJobStatus(db(), claims, query.job_id));
