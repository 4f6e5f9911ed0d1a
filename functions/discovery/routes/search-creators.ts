import * as z from 'zod/mini';
import { db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { searchCreators } from '../queries.ts';
import { SearchCreatorsResponse } from '../responses.ts';
import { creatorFilters, exclusivePaging, LIST_CACHE, listParams, searchText, tags } from './common.ts';

export const SearchCreatorsQuery = z.object({ q: searchText(), ...creatorFilters(), ...listParams() }).check(exclusivePaging());

export const searchCreatorsRoute = defineRoute({ method: 'GET', path: '/search-creators', auth: 'public', tags,
  response: SearchCreatorsResponse, cache: LIST_CACHE,
  summary: 'Search public creators by name, slug and bio (typo-tolerant on names)', query: SearchCreatorsQuery },
({ query }) => searchCreators(db(), query));
