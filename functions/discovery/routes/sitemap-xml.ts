import * as z from 'zod/mini';
import { defineRoute } from '../../_shared/route.ts';
import { intParam } from '../../_shared/schemas.ts';
import { tags } from './common.ts';

export const SitemapQuery = z.object({ page: z.optional(intParam(1, 100_000)) });

export const route = defineRoute({ method: 'GET', path: '/sitemap.xml', auth: 'public', tags, responseMediaType: 'application/xml',
  cache: { maxAgeSeconds: 3600, sMaxAgeSeconds: 3600 },
  summary: 'Sitemap of creator and content pages (a sitemap index with ?page=N parts when over 50,000 URLs)',
  query: SitemapQuery });
