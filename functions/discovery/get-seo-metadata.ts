import { sql } from '../_shared/db.ts';
import { httpHandler, raw } from '../_shared/http.ts';
import { getSeoMetadata } from './queries.ts';
import { route } from './routes/get-seo-metadata.ts';
import { scriptSafeJson } from './seo.ts';
import { readSiteUrl } from './site.ts';

const siteUrl = readSiteUrl();

// Serialised with <, > and & as \u escapes: the same JSON, and safe to inline into a server-rendered page as is.
export const handler = httpHandler(route, async ({ query }) =>
  raw(200, scriptSafeJson(await getSeoMetadata(sql, siteUrl, query)), { 'content-type': 'application/json; charset=utf-8' }));
