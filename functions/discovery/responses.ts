import * as z from 'zod/mini';
import { uuid } from '../_shared/schemas.ts';
import { period } from './routes/common.ts';

/** What the discovery routes answer, for the OpenAPI document (routes.ts attaches each to its route). */
const nullableString = () => z.nullable(z.string());
const nullableNumber = () => z.nullable(z.number());
const Page = () => z.object({ limit: z.number(), has_more: z.boolean(), next_cursor: nullableString() });
const CreatorRef = () => z.object({ display_name: nullableString(), profile_slug: nullableString(),
  avatar_url: nullableString(), is_verified: z.boolean() });
const ContentCard = () => z.object({
  id: uuid, title: z.string(), excerpt: z.string(), url: nullableString(), thumbnail_url: nullableString(),
  duration_seconds: nullableNumber(), category: nullableString(), content_type: nullableString(),
  platform: nullableString(), published_at: z.string(), views_count: z.number(), likes_count: z.number(),
  comments_count: z.number(), creator: CreatorRef(),
});
const TrendingCard = () => z.extend(ContentCard(), { rank: z.number(), trend_score: z.number() });
const CreatorCard = () => z.object({
  display_name: nullableString(), profile_slug: z.string(), bio: nullableString(), avatar_url: nullableString(),
  website_url: nullableString(), primary_category: nullableString(), is_verified: z.boolean(),
  total_followers: z.number(), total_content: z.number(), total_views: z.number(), joined_at: z.string(), platforms: z.array(z.string()),
});
const SocialAccount = () => z.object({ platform: z.string(), platform_name: z.string(), handle: nullableString(),
  display_name: nullableString(), profile_url: nullableString(), avatar_url: nullableString(),
  follower_count: z.number(), content_count: z.number(), is_primary: z.boolean() });

export const ContentListResponse = () => z.object({ items: z.array(ContentCard()), page: Page() });
export const TrendingResponse = () => z.object({ period: period(), items: z.array(TrendingCard()), page: Page() });
/** browse-content answers as get-trending does when sort=trending: the period, and each item's rank and trend_score. */
export const BrowseContentResponse = () => z.union([ContentListResponse(), TrendingResponse()])
  .check(z.describe('sort=recent or popular: cards; sort=trending: the period, and cards with rank and trend_score'));
export const SearchContentResponse = () => z.object({
  items: z.array(z.extend(ContentCard(), { score: z.number() })), page: Page(),
  did_you_mean: nullableString().check(z.describe('the corrected query when the given one matched nothing; items are its results')),
  results_for: z.string(),
});
export const CreatorListResponse = () => z.object({ items: z.array(CreatorCard()), page: Page() });
export const SearchCreatorsResponse = () => z.object({ items: z.array(z.extend(CreatorCard(), { score: z.number() })), page: Page() });
export const CategoriesResponse = () => z.object({
  items: z.array(z.object({ code: z.string(), display_name: z.string(), description: nullableString(), icon: nullableString(),
    sort_order: z.number(), item_count: z.number() })),
  count_is_estimate: z.literal(true).check(z.describe('counts are cached (refreshed every few minutes), not live')),
  counts_computed_at: nullableString(),
});
export const ContentDetailResponse = () => z.object({
  item: z.object({
    id: uuid, title: z.string(), description: z.string(), url: nullableString(), thumbnail_url: nullableString(),
    duration_seconds: nullableNumber(), language: nullableString(), published_at: z.string(), updated_at: z.string(),
    views_count: z.number(), likes_count: z.number(), comments_count: z.number(), shares_count: z.number(), total_clicks: z.number(),
    category: z.nullable(z.object({ code: z.string(), display_name: nullableString() })),
    content_type: z.nullable(z.object({ slug: z.string(), display_name: nullableString(), is_video: z.nullable(z.boolean()) })),
    platform: z.nullable(z.object({ slug: z.string(), display_name: nullableString(), website_url: nullableString() })),
    tags: z.array(z.object({ tag: z.string(), tag_type: z.string() })),
    media: z.array(z.object({ media_type: z.string(), url: z.string(), width: nullableNumber(), height: nullableNumber(),
      duration_seconds: nullableNumber(), mime_type: nullableString(), alt_text: nullableString() })),
    creator: z.extend(CreatorRef(), { bio: nullableString(), total_followers: z.number() }),
  }),
  related: z.array(ContentCard()),
});
export const CreatorPageResponse = () => z.object({
  creator: z.extend(z.omit(CreatorCard(), { platforms: true }), { accounts: z.array(SocialAccount()) }),
  items: z.array(ContentCard()), page: Page(),
});
export const SeoMetadataResponse = () => z.object({
  title: z.string(), description: z.string(), canonical_url: z.string(),
  open_graph: z.record(z.string(), z.string()), twitter: z.record(z.string(), z.string()),
  json_ld: z.record(z.string(), z.unknown()),
  json_ld_script: z.string().check(z.describe('json_ld serialized safely for inlining in an application/ld+json script element of a page')),
});
export const ClickResponse = () => z.object({ counted: z.boolean() });
