import * as z from 'zod/mini';
import { db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { browseContent } from '../queries.ts';
import { BrowseContentResponse } from '../responses.ts';
import { contentFilters, exclusivePaging, LIST_CACHE, listParams, period, tags } from './common.ts';

export const BrowseContentQuery = z.object({
  ...contentFilters(), ...listParams(),
  sort: z._default(z.enum(['recent', 'popular', 'trending']), 'recent'),
  period: z.optional(period()).check(z.describe('trending period (sort=trending only); default week')),
}).check(exclusivePaging());

export const browseContentRoute = defineRoute({ method: 'GET', path: '/browse-content', auth: 'public', tags,
  response: BrowseContentResponse, cache: LIST_CACHE,
  summary: 'Discoverable content, newest, most viewed or trending first, with filters and keyset pages',
  query: BrowseContentQuery },
({ query }) => browseContent(db(), query));
