import * as z from 'zod/mini';
import { asService, db } from '../../_shared/db.ts';
import { NotFoundError } from '../../_shared/errors.ts';
import { defineRoute } from '../../_shared/route.ts';
import { uuid } from '../../_shared/schemas.ts';
import { jobDispatcher } from '../../jobs/dispatcher.ts';
import { requestQuotaJob } from '../../jobs/quota-job.ts';
import { tags } from './common.ts';

export const GenerateTagsBody = () => z.strictObject({
  content_item_id: uuid,
  /** Ask again even when a suggestion for the item is waiting to be applied (uses another AI analysis). */
  regenerate: z._default(z.boolean(), false),
});
export const GenerateTagsResponse = () => z.object({
  job_id: z.string(), created: z.boolean(), status: z.string(),
  suggestion_id: z.nullable(z.string()).check(z.describe('a suggestion still waiting to be applied, returned instead of a new job (regenerate: false)')),
});

/** Titles, tags, a description and SEO/trending scores for one of the caller's items, by the model of their AI settings (a job). */
export const generateTagsRoute = defineRoute({
  method: 'POST', path: '/ai-generate-tags', auth: 'user', tags, body: GenerateTagsBody, successStatus: 202, response: GenerateTagsResponse,
  summary: 'Suggest titles, tags and a description for one of the caller’s items (a job; uses one AI analysis)',
}, async ({ claims, body }) => {
  const [item] = await asService(db(), (tx) => tx`
    SELECT c.id, p.id AS pending, p.job_id AS pending_job
    FROM content_item c
    LEFT JOIN LATERAL (SELECT s.id, s.job_id FROM ai_suggestion s WHERE s.content_item_id = c.id AND s.status = 'pending'
                       ORDER BY s.created_at DESC LIMIT 1) p ON true
    WHERE c.id = ${body.content_item_id} AND c.user_id = ${claims.sub} AND c.deleted_at IS NULL`);
  if (!item) throw new NotFoundError('No such content item');
  if (item.pending && !body.regenerate) return { job_id: item.pending_job, created: false, status: 'completed', suggestion_id: item.pending };
  const job = await requestQuotaJob(db(), jobDispatcher(), {
    userId: claims.sub, kind: 'ai_generate_tags', queue: 'ai', params: { content_item_id: body.content_item_id }, quotaType: 'ai_analysis',
  });
  return { job_id: job.jobId, created: job.created, status: job.status, suggestion_id: null };
});
