import * as z from 'zod/mini';
import { db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { cursorParam, httpsUrl, limitParam } from '../../_shared/schemas.ts';
import { listSubmissions } from '../queries.ts';
import { engineName, SUBMISSION_STATUSES, tags } from './common.ts';

export const SubmissionsQuery = () => z.object({
  search_engine: z.optional(engineName()), status: z.optional(z.enum(SUBMISSION_STATUSES)), url: z.optional(httpsUrl),
  limit: limitParam(50, 200), cursor: cursorParam,
});

const Submission = () => z.object({
  id: z.string(), url: z.string(), search_engine: engineName(), type: z.enum(['URL_UPDATED', 'URL_DELETED']),
  status: z.enum(SUBMISSION_STATUSES).check(z.describe('rate_limited: waiting for the engine’s window; the job sends it then')),
  source: z.enum(['manual', 'auto']), content_item_id: z.nullable(z.string()), connection_id: z.nullable(z.string()), job_id: z.nullable(z.string()),
  response_status: z.nullable(z.number()), error_message: z.nullable(z.string()), retry_count: z.number(),
  created_at: z.string(), submitted_at: z.nullable(z.string()), updated_at: z.string(),
});

export const submissionsRoute = defineRoute({
  method: 'GET', path: '/seo-submissions', auth: 'user', tags, query: SubmissionsQuery,
  response: () => z.object({
    items: z.array(Submission()),
    page: z.object({ limit: z.number(), has_more: z.boolean(), next_cursor: z.nullable(z.string()) }),
  }),
  summary: 'The caller’s submissions, newest first: status per URL and engine (keyset-paged)',
}, ({ claims, query }) => listSubmissions(db(), claims, query));
