/**
 * TikTok's videos (Display API): `POST open.tiktokapis.com/v2/video/list/?fields=…` with a JSON body
 * `{max_count: 20, cursor}`, newest first. The opaque cursor is TikTok's own: the decimal of `data.cursor` (epoch ms,
 * where the next page starts), passed back while `has_more` is true; a page may be short (or empty) with more to come,
 * so only `has_more` ends the read. Every item is a short_video; `title` is mostly empty on TikTok (description holds
 * the text and its hashtags). The API gives no total.
 */
import * as z from 'zod/mini';
import { ProviderError, type TokenSet } from '../../oauth/providers/port.ts';
import { tiktokError } from '../../oauth/providers/tiktok.ts';
import type { ContentSource, SourceItem, SourceOptions } from './port.ts';
import { hashtags, isoTime, readJson } from './read.ts';

const PAGE_SIZE = 20;
const VIDEO_FIELDS = 'id,title,video_description,create_time,cover_image_url,share_url,duration,view_count,like_count,comment_count,share_count';
/** Follower and video counts need the user.info.stats scope, which the OAuth adapter asks for. */
const STATS_FIELDS = 'follower_count,following_count,video_count';

const nonEmpty = z.string().check(z.minLength(1));
const Video = z.object({
  id: nonEmpty,
  title: z.optional(z.string()),
  video_description: z.optional(z.string()),
  create_time: z.number(),
  cover_image_url: z.optional(z.string()),
  share_url: z.optional(z.string()),
  duration: z.optional(z.number()),
  view_count: z.optional(z.number()),
  like_count: z.optional(z.number()),
  comment_count: z.optional(z.number()),
  share_count: z.optional(z.number()),
});
type Video = z.output<typeof Video>;
const VideoPage = z.object({ data: z.object({ videos: z.array(Video), cursor: z.number(), has_more: z.boolean() }) });
const UserStats = z.object({
  data: z.object({ user: z.object({ follower_count: z.optional(z.number()), following_count: z.optional(z.number()), video_count: z.optional(z.number()) }) }),
});

const toItem = (video: Video): SourceItem => ({
  platformContentId: video.id,
  type: 'short_video',
  title: video.title ?? '',
  description: video.video_description ?? '',
  url: video.share_url,
  thumbnailUrl: video.cover_image_url,
  durationSeconds: video.duration,
  publishedAt: isoTime('tiktok', video.create_time),
  views: video.view_count,
  likes: video.like_count,
  comments: video.comment_count,
  shares: video.share_count,
  tags: hashtags(video.video_description),
  media: [],
});

/** The TikTok adapter of the content port. */
export function tiktokSource(options: SourceOptions): ContentSource {
  const api = options.hosts('open.tiktokapis.com');
  const auth = (tokens: TokenSet) => ({ authorization: `Bearer ${tokens.accessToken}` });

  return {
    platform: 'tiktok',
    pageSize: PAGE_SIZE,
    async page(tokens, _options, cursor) {
      const cursorMs = cursor === undefined ? undefined : Number(cursor);
      if (cursorMs !== undefined && !Number.isSafeInteger(cursorMs)) throw new ProviderError('tiktok', 'bad_response', `tiktok: not a video list cursor: ${cursor}`);
      const { data } = await readJson('tiktok', VideoPage, 'video list', `${api}/v2/video/list/?${new URLSearchParams({ fields: VIDEO_FIELDS })}`, {
        method: 'POST',
        headers: { ...auth(tokens), 'content-type': 'application/json' },
        body: JSON.stringify({ max_count: PAGE_SIZE, ...(cursorMs === undefined ? {} : { cursor: cursorMs }) }),
        fetch: options.fetch,
      }, tiktokError);
      // A cursor that does not move back in time would have the executor read the same page forever.
      if (data.has_more && cursorMs !== undefined && data.cursor >= cursorMs) throw new ProviderError('tiktok', 'bad_response', `tiktok: the video list cursor did not move (${cursorMs} → ${data.cursor})`);
      return { items: data.videos.map(toItem), next: data.has_more ? String(data.cursor) : undefined };
    },
    async stats(tokens) {
      const { data: { user } } = await readJson('tiktok', UserStats, 'user stats', `${api}/v2/user/info/?${new URLSearchParams({ fields: STATS_FIELDS })}`,
        { headers: auth(tokens), fetch: options.fetch }, tiktokError);
      return { followerCount: user.follower_count, followingCount: user.following_count, contentCount: user.video_count };
    },
  };
}
