import * as z from 'zod';
import { defineRoute } from '../_shared/route.ts';
import { categoryCode, cursorParam, limitParam, slug, uuid } from '../_shared/schemas.ts';

/** Query parameters arrive as strings; every one is bounded, so bad input is a 400 before any SQL runs. */
const lookupSlug = z.string().max(40).regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'must be a slug such as youtube or short_video');
const flag = z.enum(['true', 'false']).transform((v) => v === 'true');
const offset = z.coerce.number().int().min(0).max(10_000).optional();
const searchText = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters')
  .regex(/^[^\u0000]*$/, 'must not contain NUL characters');
export const period = z.enum(['today', 'week', 'month', 'all_time']);

const list = { limit: limitParam(20, 100), offset, cursor: cursorParam };
const notBothCursorAndOffset = (q: { cursor?: string; offset?: number }) => !(q.cursor !== undefined && q.offset !== undefined);
const exclusivePaging: [typeof notBothCursorAndOffset, { message: string; path: string[] }] = [
  notBothCursorAndOffset, { message: 'cursor and offset are exclusive: page with one or the other', path: ['cursor'] },
];

const contentFilters = {
  category: categoryCode.optional(),
  platform: lookupSlug.optional(),
  content_type: lookupSlug.optional(),
  creator_slug: slug.optional(),
};
const creatorFilters = {
  category: categoryCode.optional(),
  verified_only: flag.optional(),
  min_followers: z.coerce.number().int().min(0).max(1e12).optional(),
};

export const BrowseContentQuery = z.object({
  ...contentFilters, ...list,
  sort: z.enum(['recent', 'popular', 'trending']).default('recent'),
  period: period.optional().describe('trending period (sort=trending only); default week'),
}).refine(...exclusivePaging);

export const SearchContentQuery = z.object({
  q: searchText.describe('websearch syntax: words, "a phrase", or, -exclude'),
  ...contentFilters, ...list,
  sort: z.enum(['relevance', 'recent', 'popular']).default('relevance'),
}).refine(...exclusivePaging);

export const BrowseCreatorsQuery = z.object({
  ...creatorFilters, ...list,
  sort: z.enum(['followers', 'recent', 'popular']).default('followers'),
}).refine(...exclusivePaging);

export const SearchCreatorsQuery = z.object({ q: searchText, ...creatorFilters, ...list }).refine(...exclusivePaging);

export const TrendingQuery = z.object({
  period: period.default('today'),
  category: categoryCode.optional(),
  platform: lookupSlug.optional(),
  ...list,
}).refine(...exclusivePaging);

export const ContentDetailQuery = z.object({ id: uuid });
export const CreatorBySlugQuery = z.object({ slug });

export const SeoMetadataQuery = z.object({ type: z.enum(['content', 'creator']), id: uuid.optional(), slug: slug.optional() })
  .refine((q) => (q.type === 'content' ? q.id !== undefined && q.slug === undefined : q.slug !== undefined && q.id === undefined),
    { message: 'type=content takes id; type=creator takes slug', path: ['type'] });

export const SitemapQuery = z.object({ page: z.coerce.number().int().min(1).max(100_000).optional() });

export const TrackClickBody = z.strictObject({ content_id: uuid });

// ---------------------------------------------------------------------------------------------------------------
// Responses (for the OpenAPI document)
// ---------------------------------------------------------------------------------------------------------------
const Page = z.object({ limit: z.number(), has_more: z.boolean(), next_cursor: z.string().nullable() });
const CreatorRef = z.object({ display_name: z.string().nullable(), profile_slug: z.string().nullable(),
  avatar_url: z.string().nullable(), is_verified: z.boolean() });
export const ContentCard = z.object({
  id: uuid, title: z.string(), excerpt: z.string(), url: z.string().nullable(), thumbnail_url: z.string().nullable(),
  duration_seconds: z.number().nullable(), category: z.string().nullable(), content_type: z.string().nullable(),
  platform: z.string().nullable(), published_at: z.string(), views_count: z.number(), likes_count: z.number(),
  comments_count: z.number(), creator: CreatorRef,
});
const TrendingCard = ContentCard.extend({ rank: z.number(), trend_score: z.number() });
const CreatorCard = z.object({
  display_name: z.string().nullable(), profile_slug: z.string(), bio: z.string().nullable(), avatar_url: z.string().nullable(),
  website_url: z.string().nullable(), primary_category: z.string().nullable(), is_verified: z.boolean(),
  total_followers: z.number(), total_content: z.number(), total_views: z.number(), joined_at: z.string(), platforms: z.array(z.string()),
});
const SocialAccount = z.object({ platform: z.string(), platform_name: z.string(), handle: z.string().nullable(),
  display_name: z.string().nullable(), profile_url: z.string().nullable(), avatar_url: z.string().nullable(),
  follower_count: z.number(), content_count: z.number(), is_primary: z.boolean() });

export const ContentListResponse = z.object({ items: z.array(ContentCard), page: Page });
export const TrendingResponse = z.object({ period, items: z.array(TrendingCard), page: Page });
export const SearchContentResponse = z.object({
  items: z.array(ContentCard.extend({ score: z.number() })), page: Page,
  did_you_mean: z.string().nullable().describe('the corrected query when the given one matched nothing; items are its results'),
  results_for: z.string(),
});
export const CreatorListResponse = z.object({ items: z.array(CreatorCard), page: Page });
export const SearchCreatorsResponse = z.object({ items: z.array(CreatorCard.extend({ score: z.number() })), page: Page });
export const CategoriesResponse = z.object({
  items: z.array(z.object({ code: z.string(), display_name: z.string(), description: z.string().nullable(), icon: z.string().nullable(),
    sort_order: z.number(), item_count: z.number() })),
  count_is_estimate: z.literal(true).describe('counts are cached (refreshed every few minutes), not live'),
  counts_computed_at: z.string().nullable(),
});
export const ContentDetailResponse = z.object({
  item: z.object({
    id: uuid, title: z.string(), description: z.string(), url: z.string().nullable(), thumbnail_url: z.string().nullable(),
    duration_seconds: z.number().nullable(), language: z.string().nullable(), published_at: z.string(), updated_at: z.string(),
    views_count: z.number(), likes_count: z.number(), comments_count: z.number(), shares_count: z.number(), total_clicks: z.number(),
    category: z.object({ code: z.string(), display_name: z.string().nullable() }).nullable(),
    content_type: z.object({ slug: z.string(), display_name: z.string().nullable(), is_video: z.boolean().nullable() }).nullable(),
    platform: z.object({ slug: z.string(), display_name: z.string().nullable(), website_url: z.string().nullable() }).nullable(),
    tags: z.array(z.object({ tag: z.string(), tag_type: z.string() })),
    media: z.array(z.object({ media_type: z.string(), url: z.string(), width: z.number().nullable(), height: z.number().nullable(),
      duration_seconds: z.number().nullable(), mime_type: z.string().nullable(), alt_text: z.string().nullable() })),
    creator: CreatorRef.extend({ bio: z.string().nullable(), total_followers: z.number() }),
  }),
  related: z.array(ContentCard),
});
export const CreatorPageResponse = z.object({
  creator: CreatorCard.omit({ platforms: true }).extend({ accounts: z.array(SocialAccount) }),
  items: z.array(ContentCard), page: Page,
});
export const SeoMetadataResponse = z.object({
  title: z.string(), description: z.string(), canonical_url: z.string(),
  open_graph: z.record(z.string(), z.string()), twitter: z.record(z.string(), z.string()),
  json_ld: z.record(z.string(), z.unknown()),
  json_ld_script: z.string().describe('json_ld serialized safely for a <script type="application/ld+json"> element'),
});

const tags = ['Discovery'];
const LIST_CACHE = { maxAgeSeconds: 30, sMaxAgeSeconds: 60 };
const PAGE_CACHE = { maxAgeSeconds: 60, sMaxAgeSeconds: 300 };
export const routes = {
  browseContent: defineRoute({ method: 'GET', path: '/browse-content', auth: 'public', tags, cache: LIST_CACHE,
    summary: 'Discoverable content, newest, most viewed or trending first, with filters and keyset pages',
    query: BrowseContentQuery, response: ContentListResponse }),
  browseCreators: defineRoute({ method: 'GET', path: '/browse-creators', auth: 'public', tags, cache: LIST_CACHE,
    summary: 'Public creators by followers, join date or views', query: BrowseCreatorsQuery, response: CreatorListResponse }),
  browseCategories: defineRoute({ method: 'GET', path: '/browse-categories', auth: 'public', tags,
    cache: { maxAgeSeconds: 300, sMaxAgeSeconds: 600 }, summary: 'Active categories with (cached) item counts',
    response: CategoriesResponse }),
  searchContent: defineRoute({ method: 'GET', path: '/search-content', auth: 'public', tags, cache: LIST_CACHE,
    summary: 'Full-text search of discoverable content, with "did you mean" for misspelt terms',
    query: SearchContentQuery, response: SearchContentResponse }),
  searchCreators: defineRoute({ method: 'GET', path: '/search-creators', auth: 'public', tags, cache: LIST_CACHE,
    summary: 'Search public creators by name, slug and bio (typo-tolerant on names)', query: SearchCreatorsQuery,
    response: SearchCreatorsResponse }),
  getTrending: defineRoute({ method: 'GET', path: '/get-trending', auth: 'public', tags, cache: PAGE_CACHE,
    summary: 'Trending content of a period, by rank', query: TrendingQuery, response: TrendingResponse }),
  getContentDetail: defineRoute({ method: 'GET', path: '/get-content-detail', auth: 'public', tags, cache: PAGE_CACHE,
    summary: 'One item with tags, media, creator, platform and related items', query: ContentDetailQuery,
    response: ContentDetailResponse }),
  getCreatorBySlug: defineRoute({ method: 'GET', path: '/get-creator-by-slug', auth: 'public', tags, cache: PAGE_CACHE,
    summary: 'A creator’s public profile, social accounts and newest items', query: CreatorBySlugQuery,
    response: CreatorPageResponse }),
  getSeoMetadata: defineRoute({ method: 'GET', path: '/get-seo-metadata', auth: 'public', tags,
    cache: { maxAgeSeconds: 300, sMaxAgeSeconds: 3600 },
    summary: 'Title, description, canonical URL, Open Graph, Twitter and JSON-LD for a content or creator page',
    query: SeoMetadataQuery, response: SeoMetadataResponse }),
  trackClick: defineRoute({ method: 'POST', path: '/track-click', auth: 'public', tags,
    summary: 'Count a click on an item (once per visitor per item per hour)', body: TrackClickBody,
    response: z.object({ counted: z.boolean() }) }),
  sitemap: defineRoute({ method: 'GET', path: '/sitemap.xml', auth: 'public', tags, responseMediaType: 'application/xml',
    cache: { maxAgeSeconds: 3600, sMaxAgeSeconds: 3600 },
    summary: 'Sitemap of creator and content pages (a sitemap index with ?page=N parts when over 50,000 URLs)',
    query: SitemapQuery }),
  robots: defineRoute({ method: 'GET', path: '/robots.txt', auth: 'public', tags, responseMediaType: 'text/plain',
    cache: { maxAgeSeconds: 3600, sMaxAgeSeconds: 86_400 }, summary: 'Crawler rules and the sitemap location' }),
};
