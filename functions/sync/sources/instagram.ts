/**
 * Instagram's media (Instagram API with Instagram Login): `GET graph.instagram.com/v23.0/me/media`, newest first,
 * 100 a page, Graph cursor paging. Types: IMAGE → image, CAROUSEL_ALBUM → carousel (its children as media), VIDEO with
 * media_product_type REELS → reel, any other VIDEO → short_video (the edge gives no duration to tell a long one by, and
 * feed videos are a legacy of before Reels); an unknown media_type is kept as a post rather than failing the sync.
 * Instagram has no title (title '') and reports no views or shares on this edge (undefined); `like_count` is left out
 * where the owner hid it.
 */
import * as z from 'zod/mini';
import { GRAPH_API_VERSION, graphError } from '../../oauth/providers/graph.ts';
import type { TokenSet } from '../../oauth/providers/port.ts';
import { GraphPaging, nextGraphCursor } from './graph.ts';
import type { ContentSource, ContentTypeSlug, SourceItem, SourceMedia, SourceOptions } from './port.ts';
import { hashtags, isoTime, readJson } from './read.ts';

const PAGE_SIZE = 100;
const MEDIA_FIELDS = 'id,caption,media_type,media_product_type,media_url,permalink,thumbnail_url,timestamp,like_count,comments_count,children{media_type,media_url,thumbnail_url}';

const nonEmpty = z.string().check(z.minLength(1));
const Child = z.object({ media_type: z.string(), media_url: z.optional(z.string()), thumbnail_url: z.optional(z.string()) });
const Media = z.object({
  id: nonEmpty,
  caption: z.optional(z.string()),
  media_type: nonEmpty,
  media_product_type: z.optional(z.string()),
  // Left out for media holding copyrighted music.
  media_url: z.optional(z.string()),
  permalink: z.optional(z.string()),
  thumbnail_url: z.optional(z.string()),
  timestamp: nonEmpty,
  like_count: z.optional(z.number()),
  comments_count: z.optional(z.number()),
  children: z.optional(z.object({ data: z.array(Child) })),
});
type Media = z.output<typeof Media>;
const MediaPage = z.object({ data: z.array(Media), paging: GraphPaging });
const Counts = z.object({ followers_count: z.optional(z.number()), follows_count: z.optional(z.number()), media_count: z.optional(z.number()) });

function mediaType(media: Media): ContentTypeSlug {
  switch (media.media_type) {
    case 'IMAGE': return 'image';
    case 'CAROUSEL_ALBUM': return 'carousel';
    case 'VIDEO': return media.media_product_type === 'REELS' ? 'reel' : 'short_video';
    default: return 'post';
  }
}

function toItem(media: Media): SourceItem {
  const children: SourceMedia[] = (media.children?.data ?? []).flatMap((child) => child.media_url
    ? [{ mediaType: child.media_type === 'VIDEO' ? 'video' as const : 'image' as const, url: child.media_url, thumbnailUrl: child.thumbnail_url }]
    : []);
  const type = mediaType(media);
  return {
    platformContentId: media.id,
    type,
    title: '',
    description: media.caption ?? '',
    url: media.permalink,
    thumbnailUrl: media.media_type === 'VIDEO' ? media.thumbnail_url
      : type === 'carousel' ? children[0]?.thumbnailUrl ?? children[0]?.url : media.media_url,
    publishedAt: isoTime('instagram', media.timestamp),
    likes: media.like_count,
    comments: media.comments_count,
    tags: hashtags(media.caption),
    media: type === 'carousel' ? children : [],
    platformData: { mediaType: media.media_type, mediaProductType: media.media_product_type ?? null },
  };
}

/** The Instagram adapter of the content port. */
export function instagramSource(options: SourceOptions): ContentSource {
  const graph = `${options.hosts('graph.instagram.com')}/${GRAPH_API_VERSION}`;
  const get = <T>(schema: z.ZodMiniType<T>, what: string, path: string, params: Record<string, string>, tokens: TokenSet) =>
    readJson('instagram', schema, what, `${graph}${path}?${new URLSearchParams(params)}`,
      { headers: { authorization: `Bearer ${tokens.accessToken}` }, fetch: options.fetch }, (answer) => graphError('instagram', answer));

  return {
    platform: 'instagram',
    pageSize: PAGE_SIZE,
    async page(tokens, _options, cursor) {
      const answer = await get(MediaPage, 'media', '/me/media', { fields: MEDIA_FIELDS, limit: String(PAGE_SIZE), ...(cursor ? { after: cursor } : {}) }, tokens);
      return { items: answer.data.map(toItem), next: nextGraphCursor('instagram', answer.paging) };
    },
    async stats(tokens) {
      const counts = await get(Counts, 'profile counts', '/me', { fields: 'followers_count,follows_count,media_count' }, tokens);
      return { followerCount: counts.followers_count, followingCount: counts.follows_count, contentCount: counts.media_count };
    },
  };
}
