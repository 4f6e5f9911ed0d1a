import * as z from 'zod/mini';
import { db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { listJobLogs } from '../queries.ts';
import { JobLogsResponse } from '../responses.ts';
import { cursorParam, limitParam, uuid } from '../../_shared/schemas.ts';
import { tags } from './common.ts';

export const JobLogsQuery = () => z.object({ job_id: uuid, limit: limitParam(100, 500), cursor: cursorParam });

export const jobLogsRoute = defineRoute({ method: 'GET', path: '/job-logs', auth: 'user', tags,
  response: JobLogsResponse,
  summary: 'The log lines of one of the caller’s jobs, oldest first', query: JobLogsQuery },
({ claims, query }) => listJobLogs(db(), claims, query));
