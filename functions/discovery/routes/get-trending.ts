import * as z from 'zod/mini';
import { db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { categoryCode } from '../../_shared/schemas.ts';
import { listTrending } from '../queries.ts';
import { TrendingResponse } from '../responses.ts';
import { exclusivePaging, listParams, lookupSlug, PAGE_CACHE, period, tags } from './common.ts';

export const TrendingQuery = () => z.object({
  period: z._default(period(), 'today'),
  category: z.optional(categoryCode),
  platform: z.optional(lookupSlug()),
  ...listParams(),
}).check(exclusivePaging());

export const getTrendingRoute = defineRoute({ method: 'GET', path: '/get-trending', auth: 'public', tags,
  response: TrendingResponse, cache: PAGE_CACHE,
  summary: 'Trending content of a period, by rank', query: TrendingQuery },
({ query }) => listTrending(db(), query));
