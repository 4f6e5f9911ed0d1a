import * as z from 'zod/mini';
import { db } from '../../_shared/db.ts';
import { defineRoute, raw } from '../../_shared/route.ts';
import { intParam } from '../../_shared/schemas.ts';
import { siteUrl } from '../../_shared/catalog/site.ts';
import { buildSitemap } from '../sitemap.ts';
import { tags } from './common.ts';

export const SitemapQuery = () => z.object({ page: z.optional(intParam(1, 100_000)) });

export const sitemapRoute = defineRoute({ method: 'GET', path: '/sitemap.xml', auth: 'public', tags, responseMediaType: 'application/xml',
  cache: { maxAgeSeconds: 3600, sMaxAgeSeconds: 3600 },
  summary: 'Sitemap of creator and content pages (a sitemap index with ?page=N parts when over 50,000 URLs)',
  query: SitemapQuery },
async ({ query }) => raw(200, await buildSitemap(db(), siteUrl(), query.page), { 'content-type': 'application/xml; charset=utf-8' }));
