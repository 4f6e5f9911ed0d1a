import { defineRoute } from '../../_shared/route.ts';
import { tags } from './common.ts';

export const route = defineRoute({ method: 'GET', path: '/robots.txt', auth: 'public', tags, responseMediaType: 'text/plain',
  cache: { maxAgeSeconds: 3600, sMaxAgeSeconds: 86_400 }, summary: 'Crawler rules and the sitemap location' });
