/**
 * The YouTube Data API v3 as sync and connect read it (../shared/contracts/third-party-apis.md §2): `channels?mine=true`
 * (the channel, its statistics, its uploads playlist), `playlistItems` (the uploads, newest first, ≤ 50 a page) and
 * `videos` (≤ 50 ids: snippet, statistics as strings, ISO 8601 durations); Google's daily quota (1 unit a list call,
 * 10,000 a day per app, reset at midnight Pacific, charged even for a rejected request), ETags with 304 on
 * `If-None-Match`, and Google's error bodies.
 *
 * Videos are the account's catalogue (catalogue.ts, kinds video/video/short). A video id carries its catalogue index
 * behind a per-channel prefix and a page token the index to continue before, so every call does O(page) work whatever
 * the channel's size. `youtubeVideoFacts` makes some videos awkward on purpose, as real channels have them.
 */
import { createHash } from 'node:crypto';
import type { CatalogueItem } from './catalogue.ts';
import { SANDBOX_CLIENTS } from './clients.ts';
import { SandboxState, type IssuedToken, type SandboxAccount, type SandboxRequest, type SandboxResponse, type SandboxRoute } from './server.ts';

export const GOOGLE_NO_CHANNEL_LOGIN = 'no-channel';
export const GOOGLE_HIDDEN_SUBSCRIBERS_LOGIN = 'hidden-subscribers';
export const YOUTUBE_SCOPES = ['youtube', 'youtube.readonly', 'youtube.force-ssl'].map((s) => `https://www.googleapis.com/auth/${s}`);
const DAILY_QUOTA_UNITS = 10_000;
const MAX_RESULTS = 50;
const PACIFIC_DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Los_Angeles', year: 'numeric', month: '2-digit', day: '2-digit' });

/** The YouTube channel id the sandbox gives a login (`UC…`, stable across runs). */
export const youtubeChannelId = (state: SandboxState, login: string) => state.account('youtube', login, 'UC').id;
/** A channel's uploads playlist: YouTube's `UU` + the channel id after its `UC`. */
const uploadsOf = (channelId: string) => `UU${channelId.slice(2)}`;

/** A login's videos: YouTube has only videos, two long ones for every Short. Tests edit, remove and publish through it. */
export const youtubeCatalogue = (state: SandboxState, login: string) => state.catalogue('youtube', login, ['video', 'video', 'short']);

/**
 * What a catalogue item is on YouTube, by index: every 10th (…7) hides its likes, every 20th (…11) has comments off,
 * every 9th (…5) has no tags, long videos at …12 of 25 are stream archives over a day (`P1DT…`) and at …24 of 25
 * upcoming premieres (`P0D`). Shorts run 5–59 s and say `#shorts`. Exported so tests can state what a source must report.
 */
export function youtubeVideoFacts(item: CatalogueItem) {
  const short = item.kind === 'short';
  const upcoming = !short && item.index % 25 === 24;
  // Catalogue kinds YouTube has not (an image or a text post from a catalogue made for another platform) are videos too.
  const longSeconds = item.kind === 'video' ? item.durationSeconds : 60 + (item.index % 3_600);
  const durationSeconds = upcoming ? 0 : short ? item.durationSeconds : longSeconds + (item.index % 25 === 12 ? 86_400 : 0);
  return { short, upcoming, durationSeconds, likesHidden: item.index % 10 === 7, commentsOff: item.index % 20 === 11, tagged: item.index % 9 !== 5 };
}

/** The Data API quota: units each app (client id) has used per Pacific day. Tests set what is left. */
export class YoutubeQuota {
  dailyUnits = DAILY_QUOTA_UNITS;
  private readonly used = new Map<string, number>();
  constructor(private readonly now: () => number) {}
  private key = (clientId: string) => `${clientId} ${PACIFIC_DAY.format(this.now())}`;
  remaining(clientId = SANDBOX_CLIENTS.youtube.clientId): number {
    return this.dailyUnits - (this.used.get(this.key(clientId)) ?? 0);
  }
  setRemaining(units: number, clientId = SANDBOX_CLIENTS.youtube.clientId): void {
    this.used.set(this.key(clientId), this.dailyUnits - units);
  }
  /** Charges a call; false (and nothing charged) when the app's units for today are spent. */
  charge(clientId: string, units = 1): boolean {
    if (this.remaining(clientId) < units) return false;
    this.used.set(this.key(clientId), (this.used.get(this.key(clientId)) ?? 0) + units);
    return true;
  }
  reset(): void {
    this.used.clear();
    this.dailyUnits = DAILY_QUOTA_UNITS;
  }
}
const quotas = new WeakMap<SandboxState, YoutubeQuota>();
/** The sandbox's YouTube quota (one per sandbox; `sandbox.reset()` leaves it, `youtubeQuota(state).reset()` clears it). */
export function youtubeQuota(state: SandboxState): YoutubeQuota {
  let quota = quotas.get(state);
  if (!quota) quotas.set(state, quota = new YoutubeQuota(() => state.now()));
  return quota;
}

/** The Data API routes: authenticated, charged, answered, then given an ETag (304 when the caller has it already). */
export function youtubeDataApi(state: SandboxState): SandboxRoute[] {
  const quota = youtubeQuota(state);
  const route = (path: string, answer: (token: IssuedToken, query: URLSearchParams) => SandboxResponse): SandboxRoute => ({
    method: 'GET', host: 'www.googleapis.com', path,
    handle: (request) => {
      const token = state.liveAccess('youtube', request.bearer());
      if (!token) return apiError(401, 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.', 'Invalid Credentials', 'global', 'authError', { 'www-authenticate': 'Bearer realm="https://accounts.google.com/", error="invalid_token"' });
      if (!quota.charge(token.clientId)) return apiError(403, 'The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.', 'The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.', 'youtube.quota', 'quotaExceeded');
      if (!token.scopes.some((s) => YOUTUBE_SCOPES.includes(s))) return apiError(403, 'Request had insufficient authentication scopes.', 'Insufficient Permission', 'global', 'insufficientPermissions');
      if (!request.query.get('part')) return apiError(400, 'Required parameter: part', 'Required parameter: part', 'global', 'required');
      return withEtag(request, answer(token, request.query));
    },
  });

  return [
    route('/youtube/v3/channels', (token, query) => {
      // The sandbox serves the authorized user's own channel only (sync and connect ask for nothing else).
      if (query.get('mine') !== 'true') return apiError(400, 'No filter selected. Expected one of: mine, id, forHandle, forUsername, managedByMe, categoryId, mySubscribers', 'No filter selected.', 'youtube.parameter', 'missingRequiredParameter');
      const channel = token.account.login === GOOGLE_NO_CHANNEL_LOGIN ? undefined
        : channelOf(token.account, parts(query), youtubeCatalogue(state, token.account.login).count);
      return json({ kind: 'youtube#channelListResponse', pageInfo: { totalResults: channel ? 1 : 0, resultsPerPage: 5 }, ...(channel ? { items: [channel] } : {}) });
    }),

    route('/youtube/v3/playlistItems', (token, query) => {
      const playlistId = query.get('playlistId');
      if (!playlistId) return apiError(400, 'No filter selected. Expected one of: id, playlistId', 'No filter selected.', 'youtube.parameter', 'missingRequiredParameter');
      const { account } = token;
      if (account.login === GOOGLE_NO_CHANNEL_LOGIN || playlistId !== uploadsOf(account.id)) {
        return apiError(404, "The playlist identified with the request's <code>playlistId</code> parameter cannot be found.", 'Playlist not found.', 'youtube.playlistItem', 'playlistNotFound');
      }
      const maxResults = Number(query.get('maxResults') ?? 5);
      if (!Number.isInteger(maxResults) || maxResults < 0 || maxResults > MAX_RESULTS) {
        return apiError(400, `Invalid value '${query.get('maxResults')}'. Values must be within the range: [0, 50]`, 'Invalid value.', 'global', 'invalidParameter');
      }
      const pageToken = query.get('pageToken');
      const from = pageToken === null ? { beforeIndex: undefined, position: 0 } : decodePageToken(pageToken);
      if (!from) return apiError(400, 'The request specifies an invalid page token.', 'The request specifies an invalid page token.', 'youtube.parameter', 'invalidPageToken');
      const catalogue = youtubeCatalogue(state, account.login);
      // maxResults=0 asks for the count only (the sandbox then sends no nextPageToken; Catalogue.page needs a limit ≥ 1).
      const page: { items: CatalogueItem[]; next?: number } = maxResults === 0 ? { items: [] } : catalogue.page(maxResults, from.beforeIndex);
      const requested = parts(query);
      return json({
        kind: 'youtube#playlistItemListResponse',
        ...(page.next !== undefined ? { nextPageToken: encodePageToken(page.next, from.position + page.items.length) } : {}),
        pageInfo: { totalResults: catalogue.count, resultsPerPage: maxResults },
        items: page.items.map((item, i) => playlistItemOf(account, playlistId, item, from.position + i, requested)),
      });
    }),

    route('/youtube/v3/videos', (token, query) => {
      const ids = (query.get('id') ?? '').split(',').filter(Boolean);
      if (ids.length === 0) return apiError(400, 'No filter selected. Expected one of: chart, id, myRating', 'No filter selected.', 'youtube.parameter', 'missingRequiredParameter');
      if (ids.length > MAX_RESULTS) return apiError(400, 'The request specifies an invalid filter parameter.', 'Invalid filter.', 'youtube.parameter', 'invalidFilters');
      const catalogue = youtubeCatalogue(state, token.account.login);
      const requested = parts(query);
      // Unknown, deleted and (the sandbox knows only the caller's channel) other channels' ids are left out, as YouTube does.
      const items = ids.flatMap((id) => {
        const index = indexOfVideo(token.account, id);
        const item = index === undefined ? undefined : catalogue.item(index);
        return item ? [videoOf(token.account, item, requested)] : [];
      });
      return json({ kind: 'youtube#videoListResponse', items, pageInfo: { totalResults: items.length, resultsPerPage: items.length } });
    }),
  ];
}

/** The channel a login owns, with only the requested parts; numbers fixed per login, counts as strings like YouTube. */
function channelOf(account: SandboxAccount, requested: string[], videoCount: number) {
  const seed = (name: string) => `youtube:${account.login}:${name}`;
  const hidden = account.login === GOOGLE_HIDDEN_SUBSCRIBERS_LOGIN;
  const subscribers = SandboxState.number(seed('subscribers'), 10, 2_000_000);
  const thumbnail = (size: number) => ({ url: `https://yt3.ggpht.com/sandbox-${account.id}=s${size}-c-k-c0x00ffffff-no-rj`, width: size, height: size });
  const title = titleOf(account);
  const publishedAt = new Date(Date.UTC(2008, 0, 1) + SandboxState.number(seed('published'), 0, 6000) * 86_400_000).toISOString().replace('.000Z', 'Z');
  const all = {
    snippet: {
      title, description: `Videos by ${title} (a sandbox channel).`, customUrl: `@${account.login.toLowerCase()}`, publishedAt,
      thumbnails: { default: thumbnail(88), medium: thumbnail(240), high: thumbnail(800) },
      localized: { title, description: `Videos by ${title} (a sandbox channel).` },
    },
    contentDetails: { relatedPlaylists: { likes: '', uploads: uploadsOf(account.id) } },
    statistics: {
      viewCount: String(SandboxState.number(seed('views'), 1_000, 90_000_000)),
      // YouTube rounds subscriber counts down to three significant figures, and leaves them out when hidden.
      ...(hidden ? {} : { subscriberCount: String(threeSignificantFigures(subscribers)) }),
      hiddenSubscriberCount: hidden,
      videoCount: String(videoCount),
    },
  };
  return { kind: 'youtube#channel', etag: etagOf(`${account.id}:channel:${requested.join()}:${videoCount}`), id: account.id, ...pick(all, requested) };
}

function playlistItemOf(account: SandboxAccount, playlistId: string, item: CatalogueItem, position: number, requested: string[]) {
  const videoId = videoIdOf(account, item.index);
  const publishedAt = isoSeconds(item.publishedAt);
  const all = {
    snippet: {
      publishedAt, channelId: account.id, title: videoTitle(item), description: item.description, thumbnails: thumbnailsOf(videoId),
      channelTitle: titleOf(account), playlistId, position, resourceId: { kind: 'youtube#video', videoId },
      videoOwnerChannelTitle: titleOf(account), videoOwnerChannelId: account.id,
    },
    contentDetails: { videoId, videoPublishedAt: publishedAt },
    status: { privacyStatus: 'public' },
  };
  return { kind: 'youtube#playlistItem', etag: etagOf(`${playlistId}:${videoId}:${item.title}`), id: Buffer.from(`${playlistId}.${videoId}`).toString('base64url'), ...pick(all, requested) };
}

function videoOf(account: SandboxAccount, item: CatalogueItem, requested: string[]) {
  const id = videoIdOf(account, item.index);
  const facts = youtubeVideoFacts(item);
  const title = videoTitle(item);
  const all = {
    snippet: {
      publishedAt: isoSeconds(item.publishedAt), channelId: account.id, title, description: item.description,
      thumbnails: thumbnailsOf(id), channelTitle: titleOf(account),
      ...(facts.tagged ? { tags: facts.short ? [...item.tags, 'shorts'] : item.tags } : {}),
      categoryId: '20', liveBroadcastContent: facts.upcoming ? 'upcoming' : 'none', localized: { title, description: item.description },
    },
    contentDetails: {
      duration: isoDuration(facts.durationSeconds), dimension: '2d', definition: 'hd', caption: 'false', licensedContent: false,
      contentRating: {}, projection: 'rectangular',
    },
    statistics: {
      viewCount: String(facts.upcoming ? 0 : item.views),
      ...(facts.likesHidden ? {} : { likeCount: String(facts.upcoming ? 0 : item.likes) }),
      favoriteCount: '0',
      ...(facts.commentsOff ? {} : { commentCount: String(facts.upcoming ? 0 : item.comments) }),
    },
  };
  return { kind: 'youtube#video', etag: etagOf(`${id}:${title}:${item.views}:${item.likes}`), id, ...pick(all, requested) };
}

const videoTitle = (item: CatalogueItem) => (item.kind === 'short' ? `${item.title} #shorts` : item.title);
const titleOf = (account: SandboxAccount) => `${account.login.charAt(0).toUpperCase()}${account.login.slice(1)}`;
const thumbnailsOf = (videoId: string) => Object.fromEntries(
  ([['default', 120, 90], ['medium', 320, 180], ['high', 480, 360], ['standard', 640, 480], ['maxres', 1280, 720]] as const)
    .map(([name, width, height]) => [name, { url: `https://i.ytimg.com/vi/${videoId}/${name === 'default' ? '' : name === 'medium' ? 'mq' : name === 'high' ? 'hq' : name === 'standard' ? 'sd' : 'maxres'}default.jpg`, width, height }]));

/** An 11-character id (like YouTube's): four bytes fixed per channel, then the catalogue index. */
function videoIdOf(account: SandboxAccount, index: number): string {
  const bytes = Buffer.alloc(8);
  channelPrefix(account).copy(bytes);
  bytes.writeUInt32BE(index, 4);
  return bytes.toString('base64url');
}
function indexOfVideo(account: SandboxAccount, videoId: string): number | undefined {
  const bytes = /^[A-Za-z0-9_-]{11}$/.test(videoId) ? Buffer.from(videoId, 'base64url') : undefined;
  return bytes?.length === 8 && bytes.subarray(0, 4).equals(channelPrefix(account)) ? bytes.readUInt32BE(4) : undefined;
}
const channelPrefix = (account: SandboxAccount) => createHash('sha256').update(`youtube-video:${account.id}`).digest().subarray(0, 4);

/** Page tokens look like YouTube's (`EAAa…`) and carry the index to continue before and the position reached. */
const encodePageToken = (beforeIndex: number, position: number) => `EAAa${Buffer.from(`PT:${beforeIndex}:${position}`).toString('base64url')}`;
function decodePageToken(token: string): { beforeIndex: number; position: number } | undefined {
  const match = token.startsWith('EAAa') ? /^PT:(\d+):(\d+)$/.exec(Buffer.from(token.slice(4), 'base64url').toString()) : null;
  return match ? { beforeIndex: Number(match[1]), position: Number(match[2]) } : undefined;
}

/** ISO 8601 as YouTube writes it: `PT45S`, `PT4M13S`, `PT1H`, `P1DT2H3M4S` past a day, `P0D` for live and upcoming. */
function isoDuration(seconds: number): string {
  if (seconds === 0) return 'P0D';
  const [days, hours, minutes, rest] = [Math.floor(seconds / 86_400), Math.floor((seconds % 86_400) / 3600), Math.floor((seconds % 3600) / 60), seconds % 60];
  if (days > 0) return `P${days}DT${hours}H${minutes}M${rest}S`;
  return `PT${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${rest ? `${rest}S` : ''}`;
}

const parts = (query: URLSearchParams) => (query.get('part') ?? '').split(',').filter(Boolean);
const pick = (all: Record<string, unknown>, requested: string[]) => Object.fromEntries(Object.entries(all).filter(([part]) => requested.includes(part)));
const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const etagOf = (seed: string) => createHash('sha1').update(seed).digest('base64url').slice(0, 27);
const json = (body: Record<string, unknown>): SandboxResponse => ({ status: 200, body, headers: { 'cache-control': 'private, max-age=0, must-revalidate, no-transform' } });

/** The list's ETag (a digest of its JSON, so any change shows), in the body and the header; 304 when it matches. */
function withEtag(request: SandboxRequest, response: SandboxResponse): SandboxResponse {
  if (response.status !== 200 || typeof response.body !== 'object' || response.body === null) return response;
  const { kind, ...rest } = response.body as Record<string, unknown>;
  const etag = etagOf(JSON.stringify(rest));
  const headers = { ...response.headers, etag: `"${etag}"` };
  const known = (request.headers['if-none-match'] ?? '').split(',').map((tag) => tag.trim().replace(/^W\//, '').replace(/^"|"$/g, ''));
  if (known.includes(etag)) return { status: 304, headers };
  return { ...response, headers, body: { kind, etag, ...rest } };
}

function threeSignificantFigures(n: number): number {
  const unit = 10 ** Math.max(0, String(n).length - 3);
  return Math.floor(n / unit) * unit;
}

/** Google's API error body: `{"error":{"code","message","errors":[{"message","domain","reason"}],"status"}}`. */
export function apiError(status: number, message: string, reasonMessage: string, domain: string, reason: string, headers: Record<string, string> = {}): SandboxResponse {
  const statusName = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND' }[status] ?? 'UNKNOWN';
  return { status, headers, body: { error: { code: status, message, errors: [{ message: reasonMessage, domain, reason }], status: statusName } } };
}
