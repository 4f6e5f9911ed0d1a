import { defineRoute, raw } from '../../_shared/route.ts';
import { siteUrl } from '../../_shared/catalog/site.ts';
import { robotsTxt } from '../sitemap.ts';
import { tags } from './common.ts';

export const robotsRoute = defineRoute({ method: 'GET', path: '/robots.txt', auth: 'public', tags, responseMediaType: 'text/plain',
  cache: { maxAgeSeconds: 3600, sMaxAgeSeconds: 86_400 }, summary: 'Crawler rules and the sitemap location' },
async () => raw(200, robotsTxt(siteUrl()), { 'content-type': 'text/plain; charset=utf-8' }));
