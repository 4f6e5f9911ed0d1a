import * as z from 'zod/mini';
import { db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { browseContent } from '../queries.ts';
import { BrowseContentResponse } from '../responses.ts';
import { contentFilters, eitherName, exclusivePaging, LIST_CACHE, listParams, period, tags } from './common.ts';

const sortOrder = () => z.enum(['recent', 'popular', 'trending']);

export const BrowseContentQuery = () => z.pipe(z.object({
  ...contentFilters(), ...listParams(),
  sort: z.optional(sortOrder().check(z.describe('default recent'))),
  sort_by: z.optional(sortOrder().check(z.describe('the same as sort, by the original API’s name; send sort or sort_by, not both'))),
  period: z.optional(period()).check(z.describe('trending period (sort=trending only); default week')),
}).check(exclusivePaging(), eitherName('sort', 'sort_by', false)),
z.transform(({ sort_by, ...rest }) => ({ ...rest, sort: rest.sort ?? sort_by ?? 'recent' })));

export const browseContentRoute = defineRoute({ method: 'GET', path: '/browse-content', auth: 'public', tags,
  response: BrowseContentResponse, cache: LIST_CACHE,
  summary: 'Discoverable content, newest, most viewed or trending first, with filters and keyset pages',
  query: BrowseContentQuery },
({ query }) => browseContent(db(), query));
