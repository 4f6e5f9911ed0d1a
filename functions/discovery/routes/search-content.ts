import * as z from 'zod/mini';
import { db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { searchContent } from '../queries.ts';
import { SearchContentResponse } from '../responses.ts';
import { contentFilters, exclusivePaging, LIST_CACHE, listParams, searchText, tags } from './common.ts';

export const SearchContentQuery = z.object({
  q: searchText().check(z.describe('websearch syntax: words, "a phrase", or, -exclude')),
  ...contentFilters(), ...listParams(),
  sort: z._default(z.enum(['relevance', 'recent', 'popular']), 'relevance'),
}).check(exclusivePaging());

export const searchContentRoute = defineRoute({ method: 'GET', path: '/search-content', auth: 'public', tags,
  response: SearchContentResponse, cache: LIST_CACHE,
  summary: 'Full-text search of discoverable content, with "did you mean" for misspelt terms', query: SearchContentQuery },
({ query }) => searchContent(db(), query));
