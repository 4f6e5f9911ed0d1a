/**
 * YouTube's content through the Data API v3 at the least quota it allows: the channel's uploads playlist read with
 * `playlistItems.list` (50 a page, newest first) and the details of those 50 with one `videos.list` — 2 units per 50
 * videos, plus 1 for `channels.list` on the first page to learn the uploads playlist. (`search.list` would cost 100.)
 *
 * The cursor is JSON `{"playlist":"UU…","pageToken":"…"}`: later pages need no channels call. Videos the playlist lists
 * but `videos.list` does not return (deleted, private to someone else) are skipped.
 */
import * as z from 'zod/mini';
import { call } from '../../oauth/providers/http.ts';
import { ProviderError, type TokenSet } from '../../oauth/providers/port.ts';
import { classifyGoogleAnswer } from '../../oauth/providers/youtube.ts';
import type { ContentSource, SourceItem, SourceOptions } from './port.ts';

const PAGE_SIZE = 50;
/** The longest a Short runs for our type rule (YouTube has allowed up to 3 min since Oct 2024; see `typeOf`). */
const SHORT_MAX_SECONDS = 60;

/** The YouTube content source: 50 videos a page, `quotaUnits` on each page (3 on the first, 2 after), `total` from the playlist. */
export function youtubeSource(options: SourceOptions): ContentSource {
  const now = options.now ?? Date.now;
  const api = `${options.hosts('www.googleapis.com')}/youtube/v3`;
  const get = async <T>(tokens: TokenSet, resource: string, params: Record<string, string>, schema: z.ZodMiniType<T>): Promise<T> => {
    const { body } = await call('youtube', `${api}/${resource}?${new URLSearchParams(params)}`,
      { headers: { authorization: `Bearer ${tokens.accessToken}` }, fetch: options.fetch }, (answer) => classifyGoogleAnswer(answer, now));
    return parse(schema, body, resource);
  };
  const channel = async (tokens: TokenSet, channelId: string, part: string) => {
    const [found] = (await get(tokens, 'channels', { part, mine: 'true' }, ChannelList)).items ?? [];
    if (!found) throw new ProviderError('youtube', 'access_denied', 'This Google account has no YouTube channel any more');
    // Tokens of another channel would sync its videos into this account.
    if (found.id !== channelId) throw new ProviderError('youtube', 'access_denied', `The tokens act for channel ${found.id}, not ${channelId}`);
    return found;
  };

  const uploadsPlaylist = async (tokens: TokenSet, channelId: string) => {
    const uploads = (await channel(tokens, channelId, 'contentDetails')).contentDetails?.relatedPlaylists.uploads;
    if (!uploads) throw new ProviderError('youtube', 'bad_response', 'YouTube sent a channel without its uploads playlist');
    return uploads;
  };

  return {
    platform: 'youtube',
    pageSize: PAGE_SIZE,
    async page(tokens, { platformAccountId }, cursor) {
      // The first page learns the uploads playlist (1 unit); the cursor carries it on.
      const { playlist, pageToken } = cursor === undefined ? { playlist: await uploadsPlaylist(tokens, platformAccountId), pageToken: undefined } : parseCursor(cursor);
      let quotaUnits = cursor === undefined ? 1 : 0;
      // contentDetails only: the video ids are all we take from the playlist (snippet would double the bytes, not the units).
      const list = await get(tokens, 'playlistItems', {
        part: 'contentDetails', playlistId: playlist, maxResults: String(PAGE_SIZE), ...(pageToken ? { pageToken } : {}),
      }, PlaylistItemList);
      quotaUnits += 1;
      const ids = list.items.map((item) => item.contentDetails.videoId);
      const videos = new Map<string, Video>();
      if (ids.length > 0) {
        for (const video of (await get(tokens, 'videos', { part: 'snippet,statistics,contentDetails', id: ids.join(',') }, VideoList)).items) videos.set(video.id, video);
        quotaUnits += 1;
      }
      return {
        items: ids.flatMap((id) => (videos.has(id) ? [toItem(videos.get(id)!)] : [])),
        next: list.nextPageToken ? JSON.stringify({ playlist, pageToken: list.nextPageToken }) : undefined,
        total: list.pageInfo?.totalResults,
        quotaUnits,
      };
    },
    async stats(tokens, { platformAccountId }) {
      const { statistics } = await channel(tokens, platformAccountId, 'statistics');
      return {
        followerCount: statistics?.hiddenSubscriberCount ? undefined : statistics?.subscriberCount,
        contentCount: statistics?.videoCount,
        totalViews: statistics?.viewCount,
      };
    },
  };
}

/**
 * Seconds in an ISO 8601 duration as YouTube writes them (`PT4M13S`, `PT1H`, `P1DT2H3M4S`, `P0D` for live and
 * upcoming videos); undefined for anything else.
 */
export function isoDurationSeconds(duration: string): number | undefined {
  const match = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(duration);
  if (!match || duration === 'P' || duration.endsWith('T')) return undefined;
  const [weeks, days, hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number];
  return Math.round((((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds);
}

/**
 * Short or long. The API says neither (no part at list cost tells a Short or its aspect ratio), so: a Short runs at
 * most 60 s and says so with a `#shorts` tag or hashtag. Unknown durations (P0D: live, upcoming) are long videos.
 */
function typeOf(durationSeconds: number | undefined, tags: string[]): 'short_video' | 'long_video' {
  return durationSeconds !== undefined && durationSeconds <= SHORT_MAX_SECONDS && tags.includes('shorts') ? 'short_video' : 'long_video';
}

function toItem(video: Video): SourceItem {
  const { snippet, statistics, contentDetails } = video;
  const hashtags = [...`${snippet.title}\n${snippet.description}`.matchAll(/#([\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*)/gu)].map((m) => m[1]!);
  const tags = [...new Set([...(snippet.tags ?? []), ...hashtags].map((tag) => tag.replace(/^#/, '').toLowerCase()).filter(Boolean))];
  // P0D is "not known yet", not a zero-length video.
  const durationSeconds = isoDurationSeconds(contentDetails.duration) || undefined;
  const type = typeOf(durationSeconds, tags);
  const thumbnails = snippet.thumbnails;
  return {
    platformContentId: video.id,
    type,
    title: snippet.title,
    description: snippet.description,
    url: type === 'short_video' ? `https://www.youtube.com/shorts/${video.id}` : `https://www.youtube.com/watch?v=${video.id}`,
    thumbnailUrl: (thumbnails?.maxres ?? thumbnails?.standard ?? thumbnails?.high ?? thumbnails?.medium ?? thumbnails?.default)?.url,
    durationSeconds,
    publishedAt: new Date(snippet.publishedAt).toISOString(),
    views: statistics?.viewCount,
    likes: statistics?.likeCount,
    comments: statistics?.commentCount,
    tags,
    media: [],
    platformData: { liveBroadcastContent: snippet.liveBroadcastContent ?? 'none', ...(contentDetails.definition ? { definition: contentDetails.definition } : {}) },
  };
}

const Cursor = z.object({ playlist: z.string().check(z.minLength(1)), pageToken: z.string().check(z.minLength(1)) });
function parseCursor(cursor: string): z.output<typeof Cursor> {
  let value: unknown;
  try {
    value = JSON.parse(cursor);
  } catch {
    value = undefined;
  }
  const result = Cursor.safeParse(value);
  if (!result.success) throw new ProviderError('youtube', 'bad_response', `Not a cursor this source wrote: ${cursor.slice(0, 80)}`);
  return result.data;
}

/** YouTube's counts are decimal strings (64-bit, but a video's fit a double). */
const count = z.optional(z.pipe(z.string().check(z.regex(/^\d+$/)), z.transform(Number)));
const thumbnail = z.optional(z.object({ url: z.string() }));
const ChannelList = z.object({
  items: z.optional(z.array(z.object({
    id: z.string(),
    contentDetails: z.optional(z.object({ relatedPlaylists: z.object({ uploads: z.string().check(z.minLength(1)) }) })),
    statistics: z.optional(z.object({ viewCount: count, subscriberCount: count, hiddenSubscriberCount: z.optional(z.boolean()), videoCount: count })),
  }))),
});
const PlaylistItemList = z.object({
  nextPageToken: z.optional(z.string()),
  pageInfo: z.optional(z.object({ totalResults: z.number() })),
  items: z.array(z.object({ contentDetails: z.object({ videoId: z.string().check(z.minLength(1)) }) })),
});
const Video = z.object({
  id: z.string(),
  snippet: z.object({
    title: z.string(),
    description: z.string(),
    publishedAt: z.iso.datetime({ offset: true }),
    tags: z.optional(z.array(z.string())),
    liveBroadcastContent: z.optional(z.string()),
    thumbnails: z.optional(z.object({ default: thumbnail, medium: thumbnail, high: thumbnail, standard: thumbnail, maxres: thumbnail })),
  }),
  statistics: z.optional(z.object({ viewCount: count, likeCount: count, commentCount: count })),
  contentDetails: z.object({ duration: z.string(), definition: z.optional(z.string()) }),
});
type Video = z.output<typeof Video>;
const VideoList = z.object({ items: z.array(Video) });

function parse<T>(schema: z.ZodMiniType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (!result.success) throw new ProviderError('youtube', 'bad_response', `YouTube sent a ${what} list we cannot read: ${result.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  return result.data;
}
