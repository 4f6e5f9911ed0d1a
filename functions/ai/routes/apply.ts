import * as z from 'zod/mini';
import { asUser, db } from '../../_shared/db.ts';
import { NotFoundError } from '../../_shared/errors.ts';
import { defineRoute } from '../../_shared/route.ts';
import { uuid } from '../../_shared/schemas.ts';
import { tags } from './common.ts';

export const ApplyBody = () => z.strictObject({
  suggestion_id: uuid,
  /** One of the suggested titles. */
  title: z.optional(z.string().check(z.maxLength(500))),
  /** Apply the suggested description. */
  description: z.optional(z.boolean()),
  /** Suggested tags to keep (they replace the item's AI tags). */
  tags: z.optional(z.array(z.string().check(z.maxLength(60))).check(z.maxLength(50))),
});
export const ApplyResponse = () => z.object({ content_item_id: z.string(), status: z.string(), applied: z.array(z.string()) });

/**
 * Applies a suggestion, all of it (nothing chosen: the first title, the description, every tag) or the chosen parts,
 * in one transaction (apply_ai_suggestion, migration 016): the item's title and description (the previous ones become a
 * revision), its AI tags replaced, each field recorded with its previous value, the suggestion marked applied.
 */
export const applyRoute = defineRoute({
  method: 'POST', path: '/ai-apply-suggestion', auth: 'user', tags, body: ApplyBody, response: ApplyResponse,
  summary: 'Apply an AI suggestion (all of it, or the chosen title, description and tags) to its item',
}, async ({ claims, body }) => {
  const everything = body.title === undefined && body.description === undefined && body.tags === undefined;
  const [row] = await asUser(db(), claims, async (tx) => {
    if (!everything) {
      return tx`SELECT * FROM apply_ai_suggestion(${body.suggestion_id}, ${body.title ?? null}, ${body.description ?? false},
                  ${body.tags ?? null}::text[], 'approve')`;
    }
    const [suggestion] = await tx`SELECT suggested_titles[1] AS title, suggested_description IS NOT NULL AS description, suggested_tags AS tags
                                  FROM ai_suggestion WHERE id = ${body.suggestion_id} AND user_id = ${claims.sub}`;
    if (!suggestion) throw new NotFoundError('No such suggestion');
    return tx`SELECT * FROM apply_ai_suggestion(${body.suggestion_id}, ${suggestion.title}, ${suggestion.description}, ${suggestion.tags}::text[], 'approve')`;
  });
  return { content_item_id: row!.content_item_id, status: row!.status, applied: row!.applied };
});
