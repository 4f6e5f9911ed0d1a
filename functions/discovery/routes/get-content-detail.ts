import * as z from 'zod/mini';
import { defineRoute } from '../../_shared/route.ts';
import { uuid } from '../../_shared/schemas.ts';
import { PAGE_CACHE, tags } from './common.ts';

export const ContentDetailQuery = z.object({ id: uuid });

export const route = defineRoute({ method: 'GET', path: '/get-content-detail', auth: 'public', tags, cache: PAGE_CACHE,
  summary: 'One item with tags, media, creator, platform and related items', query: ContentDetailQuery });
