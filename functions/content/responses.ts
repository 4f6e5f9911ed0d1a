import * as z from 'zod/mini';
import { uuid } from '../_shared/schemas.ts';
import { visibility } from './routes/common.ts';

/** What the content routes answer, for the OpenAPI document (each route declares its own). */
const nullableString = () => z.nullable(z.string());
const Page = () => z.object({ limit: z.number(), has_more: z.boolean(), next_cursor: nullableString() });
const Tag = () => z.object({ tag: z.string(), source: z.enum(['user', 'platform', 'ai_generated']) });

export const MyContentItem = () => z.object({
  id: uuid,
  platform: nullableString(), social_account_id: uuid, type: nullableString(),
  title: z.string(), description: z.string(), url: nullableString(), thumbnail_url: nullableString(),
  duration_seconds: z.nullable(z.number()), language: nullableString(),
  visibility: visibility(), category: nullableString(),
  tags: z.array(Tag()).check(z.describe('the creator’s own tags (source user) first, then the platform’s and the AI’s')),
  published_at: z.string(),
  views_count: z.number(), likes_count: z.number(), comments_count: z.number(), shares_count: z.number(), total_clicks: z.number(),
  created_at: z.string(), updated_at: z.string(),
  deleted_at: nullableString().check(z.describe('set when the creator deleted (archived) the item')),
});

export const MyContentResponse = () => z.object({ items: z.array(MyContentItem()), page: Page() });

export const DeleteMyContentResponse = () => z.object({
  id: uuid,
  deleted_at: z.string(),
  already_deleted: z.boolean().check(z.describe('true when the item was deleted before this request (nothing changed)')),
});
