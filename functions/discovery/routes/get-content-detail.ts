import * as z from 'zod/mini';
import { db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { uuid } from '../../_shared/schemas.ts';
import { getContentDetail } from '../queries.ts';
import { ContentDetailResponse } from '../responses.ts';
import { PAGE_CACHE, tags } from './common.ts';

export const ContentDetailQuery = () => z.object({ id: uuid });

export const getContentDetailRoute = defineRoute({ method: 'GET', path: '/get-content-detail', auth: 'public', tags,
  response: ContentDetailResponse, cache: PAGE_CACHE,
  summary: 'One item with tags, media, creator, platform and related items', query: ContentDetailQuery },
({ query }) => getContentDetail(db(), query));
