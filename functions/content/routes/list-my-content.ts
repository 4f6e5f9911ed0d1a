import * as z from 'zod/mini';
import { db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { categoryCode, cursorParam, limitParam, lookupSlug, searchText, uuid } from '../../_shared/schemas.ts';
import { listMyContent } from '../queries.ts';
import { MyContentResponse } from '../responses.ts';
import { tags, visibility } from './common.ts';

export const MyContentQuery = () => z.object({
  platform: z.optional(lookupSlug()),
  social_account_id: z.optional(uuid),
  visibility: z.optional(visibility()),
  category: z.optional(categoryCode),
  type: z.optional(lookupSlug().check(z.describe('content type slug, such as long_video or reel'))),
  q: z.optional(searchText().check(z.describe('words of the title or description, or part of the title'))),
  include_deleted: z.optional(z.pipe(z.enum(['true', 'false']), z.transform((v) => v === 'true'))),
  sort: z._default(z.enum(['published_at', 'views']), 'published_at'),
  limit: limitParam(20, 100),
  cursor: cursorParam,
});

export const listMyContentRoute = defineRoute({ method: 'GET', path: '/my-content', auth: 'user', tags, query: MyContentQuery,
  response: MyContentResponse,
  summary: 'The caller’s own content, whatever its visibility (and deleted items on request), newest or most viewed first' },
({ claims, query }) => listMyContent(db(), claims, query));
