import * as z from 'zod/mini';
import { db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { searchContent } from '../queries.ts';
import { SearchContentResponse } from '../responses.ts';
import { contentFilters, eitherName, exclusivePaging, LIST_CACHE, listParams, searchText, tags } from './common.ts';

export const SearchContentQuery = () => z.pipe(z.object({
  q: z.optional(searchText().check(z.describe('what to search for, in websearch syntax: words, "a phrase", or, -exclude (required: q or query)'))),
  query: z.optional(searchText().check(z.describe('the same as q, by the original API’s name; send q or query, not both'))),
  ...contentFilters(), ...listParams(),
  sort: z._default(z.enum(['relevance', 'recent', 'popular']), 'relevance'),
}).check(exclusivePaging(), eitherName('q', 'query', true)), z.transform(({ query, ...rest }) => ({ ...rest, q: (rest.q ?? query)! })));

export const searchContentRoute = defineRoute({ method: 'GET', path: '/search-content', auth: 'public', tags,
  response: SearchContentResponse, cache: LIST_CACHE,
  summary: 'Full-text search of discoverable content, with "did you mean" for misspelt terms', query: SearchContentQuery },
({ query }) => searchContent(db(), query));
