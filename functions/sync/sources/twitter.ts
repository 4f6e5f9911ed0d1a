/**
 * X's posts through the API v2 user timeline (`GET /2/users/:id/tweets`, 100 a page, retweets and replies left out,
 * the attached media expanded in the same call). Incremental syncs use `since_id`, so X sends only newer posts; the
 * cursor is X's own `next_token`. X reaches only the newest 3,200 posts of a user, and counts no quota units.
 */
import * as z from 'zod/mini';
import { call } from '../../oauth/providers/http.ts';
import { ProviderError, type TokenSet } from '../../oauth/providers/port.ts';
import { classifyXAnswer } from '../../oauth/providers/twitter.ts';
import type { ContentSource, SourceItem, SourceMedia, SourceOptions } from './port.ts';

const PAGE_SIZE = 100;
const SHORT_MAX_SECONDS = 60;
const TWEET_FIELDS = 'created_at,public_metrics,entities,attachments';
const MEDIA_FIELDS = 'type,url,preview_image_url,duration_ms,width,height';

/** The X content source: 100 posts a page, newest first, only newer than `since` when it is given. */
export function twitterSource(options: SourceOptions): ContentSource {
  const now = options.now ?? Date.now;
  const api = options.hosts('api.x.com');
  const get = async <T>(tokens: TokenSet, path: string, params: Record<string, string>, schema: z.ZodMiniType<T>, what: string): Promise<T> => {
    const { body } = await call('twitter', `${api}${path}?${new URLSearchParams(params)}`,
      { headers: { authorization: `Bearer ${tokens.accessToken}` }, fetch: options.fetch }, (answer) => classifyXAnswer(answer, now));
    return parse(schema, body, what);
  };

  return {
    platform: 'twitter',
    pageSize: PAGE_SIZE,
    async page(tokens, { platformAccountId, since }, cursor) {
      const timeline = await get(tokens, `/2/users/${encodeURIComponent(platformAccountId)}/tweets`, {
        max_results: String(PAGE_SIZE), 'tweet.fields': TWEET_FIELDS, expansions: 'attachments.media_keys', 'media.fields': MEDIA_FIELDS,
        exclude: 'retweets,replies',
        // On every page: X pages within the since_id range only while it is sent along.
        ...(since ? { since_id: since.platformContentId } : {}),
        ...(cursor ? { pagination_token: cursor } : {}),
      }, Timeline, 'timeline');
      const media = new Map((timeline.includes?.media ?? []).map((m) => [m.media_key, m]));
      return { items: (timeline.data ?? []).map((tweet) => toItem(tweet, media)), next: timeline.meta.next_token };
    },
    async stats(tokens, { platformAccountId }) {
      const { data } = await get(tokens, `/2/users/${encodeURIComponent(platformAccountId)}`, { 'user.fields': 'public_metrics' }, UserResponse, 'user');
      const metrics = data.public_metrics;
      return { followerCount: metrics?.followers_count, followingCount: metrics?.following_count, contentCount: metrics?.tweet_count };
    },
  };
}

/**
 * A post as a content item. Type by its media: none → post, one photo → image, one video or GIF → short_video up to
 * 60 s (a GIF has no duration and counts as short) else long_video, more than one → carousel with each in `media`.
 * The id is the first of `edit_history_tweet_ids`: an edit gives the post a new id, and the item must keep its key.
 */
function toItem(tweet: Tweet, media: Map<string, Media>): SourceItem {
  const platformContentId = tweet.edit_history_tweet_ids?.[0] ?? tweet.id;
  const url = `https://x.com/i/web/status/${platformContentId}`;
  const attached = (tweet.attachments?.media_keys ?? []).flatMap((key) => media.get(key) ?? []);
  const children = attached.map((m, n): SourceMedia => ({
    mediaType: m.type === 'photo' ? 'image' : 'video',
    // Only photos have a URL at these fields; a video's page on X is the post's, numbered.
    url: m.url ?? `${url}/video/${n + 1}`,
    thumbnailUrl: m.type === 'photo' ? m.url : m.preview_image_url,
    width: m.width,
    height: m.height,
    durationSeconds: m.duration_ms === undefined ? undefined : Math.round(m.duration_ms / 1000),
  }));
  const [first] = children;
  const type = !first ? 'post' : children.length > 1 ? 'carousel' : first.mediaType === 'image' ? 'image'
    : (first.durationSeconds ?? 0) <= SHORT_MAX_SECONDS ? 'short_video' : 'long_video';
  const metrics = tweet.public_metrics;
  return {
    platformContentId,
    type,
    title: '',
    description: withoutMediaLinks(tweet),
    url,
    thumbnailUrl: first?.thumbnailUrl,
    durationSeconds: children.length === 1 ? first?.durationSeconds : undefined,
    publishedAt: new Date(tweet.created_at).toISOString(),
    views: metrics?.impression_count,
    likes: metrics?.like_count,
    comments: metrics?.reply_count,
    shares: metrics?.retweet_count === undefined || metrics.quote_count === undefined ? undefined : metrics.retweet_count + metrics.quote_count,
    tags: [...new Set((tweet.entities?.hashtags ?? []).map((h) => h.tag.toLowerCase()))],
    media: children.length > 1 ? children : [],
    ...(tweet.id !== platformContentId ? { platformData: { latestTweetId: tweet.id } } : {}),
  };
}

/** The text without the t.co links X appends for attached media (entities.urls with a media_key; code point offsets). */
function withoutMediaLinks(tweet: Tweet): string {
  const points = [...tweet.text];
  const links = (tweet.entities?.urls ?? []).filter((u) => u.media_key !== undefined).sort((a, b) => b.start - a.start);
  for (const { start, end } of links) points.splice(start, end - start);
  return points.join('').trim();
}

const count = z.optional(z.number().check(z.int(), z.nonnegative()));
const Tweet = z.object({
  id: z.string().check(z.regex(/^\d+$/)),
  text: z.string(),
  created_at: z.iso.datetime({ offset: true }),
  edit_history_tweet_ids: z.optional(z.array(z.string().check(z.regex(/^\d+$/)))),
  public_metrics: z.optional(z.object({ retweet_count: count, reply_count: count, like_count: count, quote_count: count, impression_count: count })),
  entities: z.optional(z.object({
    hashtags: z.optional(z.array(z.object({ tag: z.string() }))),
    urls: z.optional(z.array(z.object({ start: z.number(), end: z.number(), media_key: z.optional(z.string()) }))),
  })),
  attachments: z.optional(z.object({ media_keys: z.optional(z.array(z.string())) })),
});
type Tweet = z.output<typeof Tweet>;
const Media = z.object({
  media_key: z.string(),
  type: z.string(),
  url: z.optional(z.string()),
  preview_image_url: z.optional(z.string()),
  duration_ms: z.optional(z.number()),
  width: z.optional(z.number()),
  height: z.optional(z.number()),
});
type Media = z.output<typeof Media>;
/** `data` is absent on an empty page; a 200 with only `errors[]` (an unknown user) has no `meta` and fails here. */
const Timeline = z.object({
  data: z.optional(z.array(Tweet)),
  includes: z.optional(z.object({ media: z.optional(z.array(Media)) })),
  meta: z.object({ result_count: z.number(), next_token: z.optional(z.string()) }),
});
const UserResponse = z.object({
  data: z.object({ id: z.string(), public_metrics: z.optional(z.object({ followers_count: count, following_count: count, tweet_count: count })) }),
});

function parse<T>(schema: z.ZodMiniType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    const detail = (body as { errors?: { detail?: string }[] } | undefined)?.errors?.[0]?.detail;
    throw new ProviderError('twitter', 'bad_response', `X sent a ${what} we cannot read: ${detail ?? result.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  }
  return result.data;
}
