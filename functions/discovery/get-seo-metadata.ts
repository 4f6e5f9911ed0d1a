import { sql } from '../_shared/db.ts';
import { readEnv } from '../_shared/env.ts';
import { httpHandler, raw } from '../_shared/http.ts';
import { getSeoMetadata } from './queries.ts';
import { routes } from './routes.ts';
import { scriptSafeJson } from './seo.ts';
import { siteUrlEnv } from './site.ts';

const env = readEnv(siteUrlEnv);

// Serialised with <, > and & as \u escapes: the same JSON, and safe to inline into a server-rendered page as is.
export const handler = httpHandler(routes.getSeoMetadata, async ({ query }) =>
  raw(200, scriptSafeJson(await getSeoMetadata(sql, env.PUBLIC_SITE_URL, query)), { 'content-type': 'application/json; charset=utf-8' }));
