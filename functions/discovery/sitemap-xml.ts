import { sql } from '../_shared/db.ts';
import { httpHandler, raw } from '../_shared/http.ts';
import { route } from './routes/sitemap-xml.ts';
import { readSiteUrl } from './site.ts';
import { buildSitemap } from './sitemap.ts';

const siteUrl = readSiteUrl();

export const handler = httpHandler(route, async ({ query }) =>
  raw(200, await buildSitemap(sql, siteUrl, query.page), { 'content-type': 'application/xml; charset=utf-8' }));
