import * as z from 'zod/mini';
import { db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { browseCreators } from '../queries.ts';
import { CreatorListResponse } from '../responses.ts';
import { creatorFilters, exclusivePaging, LIST_CACHE, listParams, tags } from './common.ts';

export const BrowseCreatorsQuery = () => z.object({
  ...creatorFilters(), ...listParams(),
  sort: z._default(z.enum(['followers', 'recent', 'popular', 'featured']), 'followers'),
}).check(exclusivePaging());

export const browseCreatorsRoute = defineRoute({ method: 'GET', path: '/browse-creators', auth: 'public', tags,
  response: CreatorListResponse, cache: LIST_CACHE,
  summary: 'Public creators by followers, join date or views; or the featured ones (sort=featured: the category’s list, or the front page’s without one) in their order', query: BrowseCreatorsQuery },
({ query }) => browseCreators(db(), query));
