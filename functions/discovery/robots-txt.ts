import { readEnv } from '../_shared/env.ts';
import { httpHandler, raw } from '../_shared/http.ts';
import { routes } from './routes.ts';
import { siteUrlEnv } from './site.ts';
import { robotsTxt } from './sitemap.ts';

const env = readEnv(siteUrlEnv);
const body = robotsTxt(env.PUBLIC_SITE_URL);

export const handler = httpHandler(routes.robots, async () => raw(200, body, { 'content-type': 'text/plain; charset=utf-8' }));
