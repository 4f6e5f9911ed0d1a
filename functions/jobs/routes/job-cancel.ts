import * as z from 'zod/mini';
import { db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { cancelJob } from '../queries.ts';
import { JobCancelResponse } from '../responses.ts';
import { uuid } from '../../_shared/schemas.ts';
import { tags } from './common.ts';

export const JobCancelBody = () => z.strictObject({ job_id: uuid });

export const jobCancelRoute = defineRoute({ method: 'POST', path: '/job-cancel', auth: 'user', tags,
  response: JobCancelResponse,
  summary: 'Cancel one of the caller’s pending, running or retrying jobs', body: JobCancelBody },
({ claims, body }) => cancelJob(db(), claims, body.job_id));
