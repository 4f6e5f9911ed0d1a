/**
 * TikTok's Display API video list, as the sandbox plays it (the third-party API contract sheet, §2):
 * `POST /v2/video/list/?fields=…` with a JSON body `{max_count, cursor}` on open.tiktokapis.com, newest first from the
 * account's catalogue. The cursor is a time in ms (videos strictly older are listed next), create_time is in seconds.
 * Like TikTok, some pages are short while `has_more` is true: one in four, chosen by a hash of the account and the
 * cursor, holds half of max_count. Also the per-endpoint rate limit (600 requests a minute, sliding, per app), which
 * a test lowers through `tiktokControls`.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { CatalogueItem, ItemKind } from './catalogue.ts';
import { SandboxState, type IssuedToken, type SandboxRequest, type SandboxResponse, type SandboxRoute } from './server.ts';

/** TikTok accounts are short videos, with the odd long one (TikTok takes up to 60 minutes). */
export const TIKTOK_KINDS: readonly ItemKind[] = ['short', 'short', 'short', 'video'];
const VIDEO_FIELDS = new Set(['id', 'title', 'video_description', 'create_time', 'cover_image_url', 'share_url', 'duration', 'height', 'width',
  'embed_html', 'embed_link', 'like_count', 'comment_count', 'share_count', 'view_count']);
const MAX_COUNT = 20;
const DEFAULT_COUNT = 10;
const WINDOW_MS = 60_000;

/** TikTok's log ids: a timestamp and random hex. */
export const logId = (nowMs: number) => `${new Date(nowMs).toISOString().replace(/\D/g, '').slice(0, 14)}${randomBytes(10).toString('hex').toUpperCase()}`;

/** Every Display API answer: `{data, error:{code,message,log_id}}`, code "ok" on success. */
export const tiktokAnswer = (state: SandboxState, status: number, code: string, message: string, data: unknown = {}): SandboxResponse =>
  ({ status, body: { data, error: { code, message, log_id: logId(state.now()) } } });

/** Test controls per sandbox: the rate limit (requests per minute per app and endpoint) and the calls it counts. */
export interface TikTokControls {
  requestsPerMinute: number;
  readonly windows: Map<string, number[]>;
}
const controls = new WeakMap<SandboxState, TikTokControls>();
export function tiktokControls(state: SandboxState): TikTokControls {
  let found = controls.get(state);
  if (!found) controls.set(state, found = { requestsPerMinute: 600, windows: new Map() });
  return found;
}

/** The 429 when `token`'s app has made requestsPerMinute calls to `endpoint` in the last minute, else undefined (and counts the call). */
export function tiktokRateLimit(state: SandboxState, token: IssuedToken, endpoint: string): SandboxResponse | undefined {
  const { requestsPerMinute, windows } = tiktokControls(state);
  const key = `${token.clientId}:${endpoint}`;
  const now = state.now();
  const window = (windows.get(key) ?? []).filter((at) => at > now - WINDOW_MS);
  windows.set(key, window);
  if (window.length >= requestsPerMinute) return tiktokAnswer(state, 429, 'rate_limit_exceeded', 'API rate limit was exceeded, please try again later.');
  window.push(now);
  return undefined;
}

/** A TikTok video id (19 digits, a string in the JSON). */
const videoId = (key: string) => `7${BigInt(`0x${createHash('sha256').update(key).digest('hex').slice(0, 15)}`).toString().padStart(18, '0').slice(0, 18)}`;

/** An item as the video list shows it: every field the API knows (the handler keeps those asked). */
export function tiktokVideo(item: CatalogueItem, username: string): Record<string, unknown> {
  const id = videoId(item.key);
  return {
    id,
    // TikTok's `title` is mostly empty for videos (the text is the description): every fourth has one.
    title: item.index % 4 === 0 ? item.title : '',
    video_description: `${item.description} ${item.tags.map((tag) => `#${tag}`).join(' ')}`,
    create_time: Math.floor(item.publishedAt / 1000),
    cover_image_url: `https://p16-sign.tiktokcdn-us.com/obj/sandbox/${id}~tplv-photomode-image.jpeg`,
    share_url: `https://www.tiktok.com/@${username}/video/${id}`,
    duration: item.durationSeconds,
    height: 1920,
    width: 1080,
    embed_html: `<blockquote class="tiktok-embed" cite="https://www.tiktok.com/@${username}/video/${id}" data-video-id="${id}"></blockquote>`,
    embed_link: `https://www.tiktok.com/player/v1/${id}`,
    like_count: item.likes,
    comment_count: item.comments,
    share_count: item.shares,
    view_count: item.views,
  };
}

export function tiktokContentRoutes(state: SandboxState): SandboxRoute[] {
  function list(request: SandboxRequest): SandboxResponse {
    const token = state.liveAccess('tiktok', /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '')?.[1]);
    if (!token) return tiktokAnswer(state, 401, 'access_token_invalid', 'The access token is invalid or not found in the request.');
    const limited = tiktokRateLimit(state, token, request.path);
    if (limited) return limited;
    if (!token.scopes.includes('video.list')) return tiktokAnswer(state, 401, 'scope_not_authorized', 'The user did not authorize the scope required for completing this request: video.list.');
    // Fields are read from the query only; a `fields` key in the body is not looked at.
    const fields = (request.query.get('fields') ?? '').split(',').filter(Boolean);
    const unknown = fields.find((field) => !VIDEO_FIELDS.has(field));
    if (fields.length === 0 || unknown) return tiktokAnswer(state, 400, 'invalid_params', unknown ? `Invalid field: ${unknown}` : 'fields is required.');
    const body = request.headers['content-type']?.startsWith('application/json') ? request.json() : undefined;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return tiktokAnswer(state, 400, 'invalid_params', 'The request body must be a JSON object.');
    const { max_count: maxCount = DEFAULT_COUNT, cursor } = body as { max_count?: unknown; cursor?: unknown };
    if (!Number.isInteger(maxCount) || (maxCount as number) < 1 || (maxCount as number) > MAX_COUNT) return tiktokAnswer(state, 400, 'invalid_params', `max_count must be an integer from 1 to ${MAX_COUNT}.`);
    if (cursor !== undefined && (!Number.isSafeInteger(cursor) || (cursor as number) < 0)) return tiktokAnswer(state, 400, 'invalid_params', 'cursor must be a non-negative int64 (ms).');

    const catalogue = state.catalogue('tiktok', token.account.login, TIKTOK_KINDS);
    const before = cursor === undefined ? undefined : catalogue.indexBefore(cursor as number);
    const short = SandboxState.number(`${token.account.login}:${before ?? 'newest'}`, 0, 3) === 0;
    const page = catalogue.page(short ? Math.max(1, Math.floor((maxCount as number) / 2)) : maxCount as number, before);
    const username = token.account.login.toLowerCase();
    const videos = page.items.map((item) => {
      const video = tiktokVideo(item, username);
      return Object.fromEntries(fields.map((field) => [field, video[field]]));
    });
    const last = page.items.at(-1);
    // The next cursor: the last video's create_time, in ms (the first page's cursor, with no video, is now).
    const nextCursor = last ? Math.floor(last.publishedAt / 1000) * 1000 : (cursor as number | undefined) ?? state.now();
    return tiktokAnswer(state, 200, 'ok', '', { videos, cursor: nextCursor, has_more: page.next !== undefined });
  }

  return [
    { method: 'POST', host: 'open.tiktokapis.com', path: '/v2/video/list/', handle: list },
    // The sandbox's own wording: TikTok documents POST only and not what a GET gets.
    { method: 'GET', host: 'open.tiktokapis.com', path: '/v2/video/list/', handle: () => tiktokAnswer(state, 405, 'invalid_params', 'The request method GET is not supported: use POST.') },
  ];
}
