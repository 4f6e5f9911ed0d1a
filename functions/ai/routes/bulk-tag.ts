import * as z from 'zod/mini';
import { asService, db } from '../../_shared/db.ts';
import { BadRequestError } from '../../_shared/errors.ts';
import { defineRoute } from '../../_shared/route.ts';
import { categoryCode, uuid } from '../../_shared/schemas.ts';
import { jobDispatcher } from '../../jobs/dispatcher.ts';
import { requestQuotaJob } from '../../jobs/quota-job.ts';
import { PLATFORMS } from '../../oauth/providers/port.ts';
import { tags } from './common.ts';

export const MAX_BULK_ITEMS = 500;
export const BulkTagBody = () => z.union([
  z.strictObject({ content_item_ids: z.array(uuid).check(z.minLength(1), z.maxLength(MAX_BULK_ITEMS)) }),
  z.strictObject({
    filter: z.strictObject({
      platform: z.optional(z.enum(PLATFORMS)),
      category: z.optional(categoryCode),
      /** Only items with no AI tags yet. */
      untagged: z._default(z.boolean(), true),
    }),
  }),
]);
export const BulkTagResponse = () => z.object({ job_id: z.string(), created: z.boolean(), status: z.string(), items: z.number() });

/**
 * Suggestions for many of the caller's items in one job (progress per item): the ids given, or up to 500 items a filter
 * picks (newest first). Takes one AI analysis per item when accepted, all or nothing.
 */
export const bulkTagRoute = defineRoute({
  method: 'POST', path: '/ai-bulk-tag', auth: 'user', tags, body: BulkTagBody, successStatus: 202, response: BulkTagResponse,
  summary: 'Suggest tags for up to 500 of the caller’s items in one job (uses one AI analysis per item)',
}, async ({ claims, body }) => {
  const filter = 'filter' in body ? body.filter : undefined;
  const ids = 'content_item_ids' in body ? [...new Set(body.content_item_ids)] : null;
  const rows = await asService(db(), (tx) => tx`
    SELECT c.id FROM content_item c JOIN platform p ON p.id = c.platform_id
    WHERE c.user_id = ${claims.sub} AND c.deleted_at IS NULL
      AND (${ids}::uuid[] IS NULL OR c.id = ANY(${ids}::uuid[]))
      AND (${filter?.platform ?? null}::text IS NULL OR p.slug = ${filter?.platform ?? null})
      AND (${filter?.category ?? null}::text IS NULL OR c.category_code = ${filter?.category ?? null})
      AND (${filter?.untagged ?? false} = false OR NOT EXISTS (SELECT 1 FROM content_tag t WHERE t.content_id = c.id AND t.source = 'ai_generated'))
    ORDER BY c.published_at DESC, c.id LIMIT ${MAX_BULK_ITEMS}`);
  if (ids && rows.length !== ids.length) throw new BadRequestError(`${ids.length - rows.length} of the items are not yours or do not exist`);
  if (rows.length === 0) throw new BadRequestError('No item matches');
  const itemIds = rows.map((r) => r.id as string).sort();
  const job = await requestQuotaJob(db(), jobDispatcher(), {
    userId: claims.sub, kind: 'ai_bulk_tag', queue: 'ai', params: { content_item_ids: itemIds }, quotaType: 'ai_analysis', amount: itemIds.length,
  });
  return { job_id: job.jobId, created: job.created, status: job.status, items: itemIds.length };
});
