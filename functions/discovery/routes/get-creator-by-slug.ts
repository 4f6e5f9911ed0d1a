import * as z from 'zod/mini';
import { db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { slug } from '../../_shared/schemas.ts';
import { getCreatorBySlug } from '../queries.ts';
import { CreatorPageResponse } from '../responses.ts';
import { PAGE_CACHE, tags } from './common.ts';

export const CreatorBySlugQuery = () => z.object({ slug });

export const getCreatorBySlugRoute = defineRoute({ method: 'GET', path: '/get-creator-by-slug', auth: 'public', tags,
  response: CreatorPageResponse, cache: PAGE_CACHE,
  summary: 'A creator’s public profile, social accounts and newest items', query: CreatorBySlugQuery },
({ query }) => getCreatorBySlug(db(), query));
