import * as z from 'zod/mini';
import { defineRoute } from '../../_shared/route.ts';
import { slug } from '../../_shared/schemas.ts';
import { PAGE_CACHE, tags } from './common.ts';

export const CreatorBySlugQuery = z.object({ slug });

export const route = defineRoute({ method: 'GET', path: '/get-creator-by-slug', auth: 'public', tags, cache: PAGE_CACHE,
  summary: 'A creator’s public profile, social accounts and newest items', query: CreatorBySlugQuery });
