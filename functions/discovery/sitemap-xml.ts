import { sql } from '../_shared/db.ts';
import { readEnv } from '../_shared/env.ts';
import { httpHandler, raw } from '../_shared/http.ts';
import { routes } from './routes.ts';
import { siteUrlEnv } from './site.ts';
import { buildSitemap } from './sitemap.ts';

const env = readEnv(siteUrlEnv);

export const handler = httpHandler(routes.sitemap, async ({ query }) =>
  raw(200, await buildSitemap(sql, env.PUBLIC_SITE_URL, query.page), { 'content-type': 'application/xml; charset=utf-8' }));
