import { httpHandler, raw } from '../_shared/http.ts';
import { route } from './routes/robots-txt.ts';
import { readSiteUrl } from './site.ts';
import { robotsTxt } from './sitemap.ts';

const siteUrl = readSiteUrl();
const body = robotsTxt(siteUrl);

export const handler = httpHandler(route, async () => raw(200, body, { 'content-type': 'text/plain; charset=utf-8' }));
