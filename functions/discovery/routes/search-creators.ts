import * as z from 'zod/mini';
import { defineRoute } from '../../_shared/route.ts';
import { creatorFilters, exclusivePaging, LIST_CACHE, listParams, searchText, tags } from './common.ts';

export const SearchCreatorsQuery = z.object({ q: searchText(), ...creatorFilters(), ...listParams() }).check(exclusivePaging());

export const route = defineRoute({ method: 'GET', path: '/search-creators', auth: 'public', tags, cache: LIST_CACHE,
  summary: 'Search public creators by name, slug and bio (typo-tolerant on names)', query: SearchCreatorsQuery });
