import * as z from 'zod/mini';
import { db } from '../../_shared/db.ts';
import { defineRoute, raw } from '../../_shared/route.ts';
import { slug, uuid } from '../../_shared/schemas.ts';
import { getSeoMetadata } from '../queries.ts';
import { SeoMetadataResponse } from '../responses.ts';
import { scriptSafeJson } from '../../_shared/catalog/seo.ts';
import { siteUrl } from '../../_shared/catalog/site.ts';
import { tags } from './common.ts';

export const SeoMetadataQuery = () => z.object({ type: z.enum(['content', 'creator']), id: z.optional(uuid), slug: z.optional(slug) })
  .check(z.refine((q) => (q.type === 'content' ? q.id !== undefined && q.slug === undefined : q.slug !== undefined && q.id === undefined),
    { message: 'type=content takes id; type=creator takes slug', path: ['type'] }));

// Serialised with <, > and & as \u escapes: the same JSON, and safe to inline into a server-rendered page as is.
export const getSeoMetadataRoute = defineRoute({ method: 'GET', path: '/get-seo-metadata', auth: 'public', tags,
  response: SeoMetadataResponse, cache: { maxAgeSeconds: 300, sMaxAgeSeconds: 3600 },
  summary: 'Title, description, canonical URL, Open Graph, Twitter and JSON-LD for a content or creator page',
  query: SeoMetadataQuery },
async ({ query }) =>
  raw(200, scriptSafeJson(await getSeoMetadata(db(), siteUrl(), query)), { 'content-type': 'application/json; charset=utf-8' }));
