import * as z from 'zod/mini';
import { db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { searchCreators } from '../queries.ts';
import { SearchCreatorsResponse } from '../responses.ts';
import { creatorFilters, eitherName, exclusivePaging, LIST_CACHE, listParams, searchText, tags } from './common.ts';

export const SearchCreatorsQuery = () => z.pipe(z.object({
  q: z.optional(searchText().check(z.describe('a name, slug or words of a bio (required: q or query)'))),
  query: z.optional(searchText().check(z.describe('the same as q, by the original API’s name; send q or query, not both'))),
  ...creatorFilters(), ...listParams(),
}).check(exclusivePaging(), eitherName('q', 'query', true)), z.transform(({ query, ...rest }) => ({ ...rest, q: (rest.q ?? query)! })));

export const searchCreatorsRoute = defineRoute({ method: 'GET', path: '/search-creators', auth: 'public', tags,
  response: SearchCreatorsResponse, cache: LIST_CACHE,
  summary: 'Search public creators by name, slug and bio (typo-tolerant on names)', query: SearchCreatorsQuery },
({ query }) => searchCreators(db(), query));
