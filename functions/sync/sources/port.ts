/**
 * The content port: what the sync feature needs from a platform's API to bring an account's content in, whatever the
 * wire format. One adapter per platform (sources/<slug>.ts) implements it over `fetch` (with ../../oauth/providers/http.ts
 * `call()`), failing with the oauth port's ProviderError so the executor can act on the kind (refresh on
 * `invalid_grant`, wait on `rate_limited`, back off on `unavailable`).
 */
import type { HostResolver, Platform, TokenSet } from '../../oauth/providers/port.ts';

/** The seed's content types (content_type.slug). */
export type ContentTypeSlug = 'long_video' | 'short_video' | 'image' | 'carousel' | 'story' | 'reel' | 'post';

/** One child of a multi-media post (a carousel's images and videos), in order. */
export interface SourceMedia {
  mediaType: 'image' | 'video';
  url: string;
  thumbnailUrl?: string;
  width?: number;
  height?: number;
  durationSeconds?: number;
}

/** One item as the platform shows it now, normalised to content_item's columns. */
export interface SourceItem {
  /** The platform's id of the item: the upsert key (with the account). */
  platformContentId: string;
  type: ContentTypeSlug;
  /** Empty when the platform has no title (a tweet, a caption-only post: the executor derives one if it wants). */
  title: string;
  description: string;
  /** The item's public page (https). */
  url?: string;
  thumbnailUrl?: string;
  durationSeconds?: number;
  /** ISO 8601. */
  publishedAt: string;
  /** Counters as the platform reports them; undefined when it does not (never guessed as 0). */
  views?: number;
  likes?: number;
  comments?: number;
  shares?: number;
  /** The platform's own tags / hashtags (no leading #), lower case, deduplicated. */
  tags: string[];
  /** Children of a multi-media post; empty for single-media items. */
  media: SourceMedia[];
  /** Small platform-specific facts worth keeping (content_item.platform_data): e.g. YouTube's privacyStatus. */
  platformData?: Record<string, string | number | boolean | null>;
}

export interface SourcePage {
  /** Newest first, as the platform lists them. */
  items: SourceItem[];
  /** Opaque: pass back to read the next page; absent on the last page. */
  next?: string;
  /** The account's total item count when the API tells it (progress: items so far / expected). */
  total?: number;
  /** Quota units this page cost where the platform counts them (YouTube), for the bench and the logs. */
  quotaUnits?: number;
}

/** The account's totals (social_account's counters), read once per sync. */
export interface AccountStats {
  followerCount?: number;
  followingCount?: number;
  contentCount?: number;
  totalViews?: number;
}

export interface ReadOptions {
  /** The account's id at the platform (social_account.platform_account_id): channel id, IG user id, open_id, Page id, X user id. */
  platformAccountId: string;
  /**
   * Incremental: the newest item the last successful sync saw. Sources whose API can start after it use that (X's
   * `since_id`); the others list newest first and the executor stops at the first item not newer than it.
   */
  since?: { platformContentId: string; publishedAt: string };
}

export interface ContentSource {
  readonly platform: Platform;
  /** Items per page the source asks for (the API's maximum: 50 YouTube, 100 X, 20 TikTok, …). */
  readonly pageSize: number;
  /** One page, newest first; `cursor` undefined is the first page. */
  page(tokens: TokenSet, options: ReadOptions, cursor: string | undefined): Promise<SourcePage>;
  /** The account's follower (and other) totals. */
  stats(tokens: TokenSet, options: ReadOptions): Promise<AccountStats>;
}

export interface SourceOptions {
  hosts: HostResolver;
  /** Needed by Facebook's appsecret_proof (the app's client secret) where the source signs calls. */
  clientSecret?: string;
  now?: () => number;
  fetch?: typeof fetch;
}
