import * as z from 'zod/mini';
import { defineRoute } from '../../_shared/route.ts';

export const RunJobBody = z.strictObject({
  job_type: z.enum(['quota_reset', 'trending_refresh']),
  params: z._default(z.record(z.string(), z.union([z.string().check(z.maxLength(200)), z.number(), z.boolean()]))
    .check(z.refine((p) => Object.keys(p).length <= 10)), {}),
});

export const route = defineRoute({ method: 'POST', path: '/admin-run-job', auth: 'admin', tags: ['Admin'],
  summary: 'Run a maintenance job now (quota reset, trending refresh)', body: RunJobBody, successStatus: 202 });
