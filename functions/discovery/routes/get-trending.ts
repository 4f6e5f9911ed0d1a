import * as z from 'zod/mini';
import { defineRoute } from '../../_shared/route.ts';
import { categoryCode } from '../../_shared/schemas.ts';
import { exclusivePaging, listParams, lookupSlug, PAGE_CACHE, period, tags } from './common.ts';

export const TrendingQuery = z.object({
  period: z._default(period(), 'today'),
  category: z.optional(categoryCode),
  platform: z.optional(lookupSlug()),
  ...listParams(),
}).check(exclusivePaging());

export const route = defineRoute({ method: 'GET', path: '/get-trending', auth: 'public', tags, cache: PAGE_CACHE,
  summary: 'Trending content of a period, by rank', query: TrendingQuery });
