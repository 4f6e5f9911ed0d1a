import * as z from 'zod/mini';
import { defineRoute } from '../../_shared/route.ts';
import { slug, uuid } from '../../_shared/schemas.ts';
import { tags } from './common.ts';

export const SeoMetadataQuery = z.object({ type: z.enum(['content', 'creator']), id: z.optional(uuid), slug: z.optional(slug) })
  .check(z.refine((q) => (q.type === 'content' ? q.id !== undefined && q.slug === undefined : q.slug !== undefined && q.id === undefined),
    { message: 'type=content takes id; type=creator takes slug', path: ['type'] }));

export const route = defineRoute({ method: 'GET', path: '/get-seo-metadata', auth: 'public', tags,
  cache: { maxAgeSeconds: 300, sMaxAgeSeconds: 3600 },
  summary: 'Title, description, canonical URL, Open Graph, Twitter and JSON-LD for a content or creator page',
  query: SeoMetadataQuery });
