import * as z from 'zod/mini';
import { db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { categoryCode, uuid } from '../../_shared/schemas.ts';
import { updateMyContent } from '../queries.ts';
import { MyContentItem } from '../responses.ts';
import { contentTag, MAX_TAGS, tags, visibility } from './common.ts';

export const UpdateMyContentBody = () => z.strictObject({
  content_id: uuid,
  title: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(500))),
  description: z.optional(z.string().check(z.maxLength(10_000))),
  visibility: z.optional(visibility()),
  category: z.optional(z.nullable(categoryCode)),
  tags: z.optional(z.array(contentTag()).check(z.maxLength(MAX_TAGS),
    z.describe('replaces the creator’s own tags (lower-cased, duplicates dropped); the platform’s and the AI’s stay'))),
}).check(z.refine(({ content_id: _, ...fields }) => Object.values(fields).some((value) => value !== undefined),
  'Send at least one field to change besides content_id'));

/**
 * Edits one of the caller's items. A change of title, description, category or visibility is recorded by the database,
 * in the UPDATE itself: record_content_revision() keeps the previous version as a content_revision (change_source
 * 'user', changed_by the caller), and mark_content_user_edits() (013) adds the field to content_item.user_edited_fields,
 * which the sync reads to keep the creator's value over the platform's (see 013 for the rule it follows).
 */
export const updateMyContentRoute = defineRoute({ method: 'PATCH', path: '/my-content', auth: 'user', tags, operationId: 'my-content-update',
  body: UpdateMyContentBody, response: MyContentItem,
  summary: 'Edit one of the caller’s items: title and description (kept over later syncs), visibility, category, own tags' },
({ claims, body }) => updateMyContent(db(), claims, body));
