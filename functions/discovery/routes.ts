import * as z from 'zod/mini';
import { defineRoute } from '../_shared/route.ts';
import { categoryCode, cursorParam, intParam, limitParam, slug, uuid } from '../_shared/schemas.ts';

/** Query parameters arrive as strings; every one is bounded, so bad input is a 400 before any SQL runs. */
const lookupSlug = z.string().check(z.maxLength(40), z.regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'must be a slug such as youtube or short_video'));
const flag = z.pipe(z.enum(['true', 'false']), z.transform((v) => v === 'true'));
const offset = z.optional(intParam(0, 10_000));
const searchText = z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(200, 'must be at most 200 characters'),
  z.regex(/^[^\u0000]*$/, 'must not contain NUL characters'));
export const period = z.enum(['today', 'week', 'month', 'all_time']);

const list = { limit: limitParam(20, 100), offset, cursor: cursorParam };
const exclusivePaging = () => z.refine<{ cursor?: string; offset?: number }>((q) => !(q.cursor !== undefined && q.offset !== undefined),
  { message: 'cursor and offset are exclusive: page with one or the other', path: ['cursor'] });

const contentFilters = {
  category: z.optional(categoryCode),
  platform: z.optional(lookupSlug),
  content_type: z.optional(lookupSlug),
  creator_slug: z.optional(slug),
};
const creatorFilters = {
  category: z.optional(categoryCode),
  verified_only: z.optional(flag),
  min_followers: z.optional(intParam(0, 1e12)),
};

export const BrowseContentQuery = z.object({
  ...contentFilters, ...list,
  sort: z._default(z.enum(['recent', 'popular', 'trending']), 'recent'),
  period: z.optional(period).check(z.describe('trending period (sort=trending only); default week')),
}).check(exclusivePaging());

export const SearchContentQuery = z.object({
  q: searchText.check(z.describe('websearch syntax: words, "a phrase", or, -exclude')),
  ...contentFilters, ...list,
  sort: z._default(z.enum(['relevance', 'recent', 'popular']), 'relevance'),
}).check(exclusivePaging());

export const BrowseCreatorsQuery = z.object({
  ...creatorFilters, ...list,
  sort: z._default(z.enum(['followers', 'recent', 'popular']), 'followers'),
}).check(exclusivePaging());

export const SearchCreatorsQuery = z.object({ q: searchText, ...creatorFilters, ...list }).check(exclusivePaging());

export const TrendingQuery = z.object({
  period: z._default(period, 'today'),
  category: z.optional(categoryCode),
  platform: z.optional(lookupSlug),
  ...list,
}).check(exclusivePaging());

export const ContentDetailQuery = z.object({ id: uuid });
export const CreatorBySlugQuery = z.object({ slug });

export const SeoMetadataQuery = z.object({ type: z.enum(['content', 'creator']), id: z.optional(uuid), slug: z.optional(slug) })
  .check(z.refine((q) => (q.type === 'content' ? q.id !== undefined && q.slug === undefined : q.slug !== undefined && q.id === undefined),
    { message: 'type=content takes id; type=creator takes slug', path: ['type'] }));

export const SitemapQuery = z.object({ page: z.optional(intParam(1, 100_000)) });

export const TrackClickBody = z.strictObject({ content_id: uuid });

// ---------------------------------------------------------------------------------------------------------------
// Responses (for the OpenAPI document)
// ---------------------------------------------------------------------------------------------------------------
const nullableString = z.nullable(z.string());
const nullableNumber = z.nullable(z.number());
const Page = z.object({ limit: z.number(), has_more: z.boolean(), next_cursor: nullableString });
const CreatorRef = z.object({ display_name: nullableString, profile_slug: nullableString,
  avatar_url: nullableString, is_verified: z.boolean() });
export const ContentCard = z.object({
  id: uuid, title: z.string(), excerpt: z.string(), url: nullableString, thumbnail_url: nullableString,
  duration_seconds: nullableNumber, category: nullableString, content_type: nullableString,
  platform: nullableString, published_at: z.string(), views_count: z.number(), likes_count: z.number(),
  comments_count: z.number(), creator: CreatorRef,
});
const TrendingCard = z.extend(ContentCard, { rank: z.number(), trend_score: z.number() });
const CreatorCard = z.object({
  display_name: nullableString, profile_slug: z.string(), bio: nullableString, avatar_url: nullableString,
  website_url: nullableString, primary_category: nullableString, is_verified: z.boolean(),
  total_followers: z.number(), total_content: z.number(), total_views: z.number(), joined_at: z.string(), platforms: z.array(z.string()),
});
const SocialAccount = z.object({ platform: z.string(), platform_name: z.string(), handle: nullableString,
  display_name: nullableString, profile_url: nullableString, avatar_url: nullableString,
  follower_count: z.number(), content_count: z.number(), is_primary: z.boolean() });

export const ContentListResponse = z.object({ items: z.array(ContentCard), page: Page });
export const TrendingResponse = z.object({ period, items: z.array(TrendingCard), page: Page });
export const SearchContentResponse = z.object({
  items: z.array(z.extend(ContentCard, { score: z.number() })), page: Page,
  did_you_mean: nullableString.check(z.describe('the corrected query when the given one matched nothing; items are its results')),
  results_for: z.string(),
});
export const CreatorListResponse = z.object({ items: z.array(CreatorCard), page: Page });
export const SearchCreatorsResponse = z.object({ items: z.array(z.extend(CreatorCard, { score: z.number() })), page: Page });
export const CategoriesResponse = z.object({
  items: z.array(z.object({ code: z.string(), display_name: z.string(), description: nullableString, icon: nullableString,
    sort_order: z.number(), item_count: z.number() })),
  count_is_estimate: z.literal(true).check(z.describe('counts are cached (refreshed every few minutes), not live')),
  counts_computed_at: nullableString,
});
export const ContentDetailResponse = z.object({
  item: z.object({
    id: uuid, title: z.string(), description: z.string(), url: nullableString, thumbnail_url: nullableString,
    duration_seconds: nullableNumber, language: nullableString, published_at: z.string(), updated_at: z.string(),
    views_count: z.number(), likes_count: z.number(), comments_count: z.number(), shares_count: z.number(), total_clicks: z.number(),
    category: z.nullable(z.object({ code: z.string(), display_name: nullableString })),
    content_type: z.nullable(z.object({ slug: z.string(), display_name: nullableString, is_video: z.nullable(z.boolean()) })),
    platform: z.nullable(z.object({ slug: z.string(), display_name: nullableString, website_url: nullableString })),
    tags: z.array(z.object({ tag: z.string(), tag_type: z.string() })),
    media: z.array(z.object({ media_type: z.string(), url: z.string(), width: nullableNumber, height: nullableNumber,
      duration_seconds: nullableNumber, mime_type: nullableString, alt_text: nullableString })),
    creator: z.extend(CreatorRef, { bio: nullableString, total_followers: z.number() }),
  }),
  related: z.array(ContentCard),
});
export const CreatorPageResponse = z.object({
  creator: z.extend(z.omit(CreatorCard, { platforms: true }), { accounts: z.array(SocialAccount) }),
  items: z.array(ContentCard), page: Page,
});
export const SeoMetadataResponse = z.object({
  title: z.string(), description: z.string(), canonical_url: z.string(),
  open_graph: z.record(z.string(), z.string()), twitter: z.record(z.string(), z.string()),
  json_ld: z.record(z.string(), z.unknown()),
  json_ld_script: z.string().check(z.describe('json_ld serialized safely for a <script type="application/ld+json"> element')),
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
