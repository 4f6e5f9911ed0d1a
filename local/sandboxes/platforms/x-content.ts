/**
 * The X API v2 as sync reads it (../shared/contracts/third-party-apis.md §2): `GET /2/users/:id` and
 * `GET /2/users/:id/tweets` (newest first, 5–100 a page, `since_id`, `pagination_token`, only the newest 3,200 posts
 * reachable, fields and expansions only when asked), with X's per-user 15-minute rate windows announced in
 * `x-rate-limit-*` headers, 429 and 401 as problem JSON, and an unknown user as a 200 carrying `errors[]`.
 *
 * Posts are the account's catalogue (catalogue.ts, kinds text/image/video/carousel). Post ids are snowflakes: the
 * publish time, a per-account worker and the index's low bits, so they grow with time and `since_id` is a comparison;
 * a pagination token carries the index to continue before, so every call does O(page) work.
 */
import { createHash } from 'node:crypto';
import type { CatalogueItem } from './catalogue.ts';
import { SandboxState, type IssuedToken, type SandboxAccount, type SandboxResponse, type SandboxRoute } from './server.ts';

/** X's user-context limits per 15 minutes (per user and app), by endpoint. */
const DEFAULT_LIMITS = { 'users/me': 75, 'users/:id': 900, 'users/:id/tweets': 900 };
export type XEndpoint = keyof typeof DEFAULT_LIMITS;
const WINDOW_MS = 15 * 60_000;
/** The user timeline reaches back this far and no further. */
const TIMELINE_DEPTH = 3_200;
const TWITTER_EPOCH_MS = 1_288_834_974_657n;
const TWEET_FIELDS = new Set(['attachments', 'author_id', 'context_annotations', 'conversation_id', 'created_at', 'edit_controls',
  'edit_history_tweet_ids', 'entities', 'geo', 'id', 'in_reply_to_user_id', 'lang', 'non_public_metrics', 'note_tweet',
  'organic_metrics', 'possibly_sensitive', 'promoted_metrics', 'public_metrics', 'referenced_tweets', 'reply_settings', 'source', 'text', 'withheld']);
const MEDIA_FIELDS = new Set(['alt_text', 'duration_ms', 'height', 'media_key', 'non_public_metrics', 'organic_metrics', 'preview_image_url',
  'promoted_metrics', 'public_metrics', 'type', 'url', 'variants', 'width']);
const EXPANSIONS = new Set(['attachments.media_keys', 'attachments.poll_ids', 'author_id', 'edit_history_tweet_ids', 'entities.mentions.username',
  'geo.place_id', 'in_reply_to_user_id', 'referenced_tweets.id', 'referenced_tweets.id.author_id']);
const TIMELINE_PARAMS = new Set(['end_time', 'exclude', 'expansions', 'max_results', 'media.fields', 'pagination_token', 'place.fields',
  'poll.fields', 'since_id', 'start_time', 'tweet.fields', 'until_id', 'user.fields']);

/** A login's posts on X: text posts, single photos, single videos and photo sets. Tests edit, remove and publish through it. */
export const xCatalogue = (state: SandboxState, login: string) => state.catalogue('twitter', login, ['text', 'image', 'video', 'carousel']);

/** Rate windows per user, app and endpoint. Tests lower `limits` to reach a 429 quickly. */
export class XRateLimits {
  readonly limits: Record<XEndpoint, number> = { ...DEFAULT_LIMITS };
  private readonly windows = new Map<string, { resetsAtMs: number; used: number }>();
  constructor(private readonly now: () => number) {}
  /** Counts a request: the headers X sends with it, and whether the window was already spent. */
  take(endpoint: XEndpoint, token: IssuedToken): { headers: Record<string, string>; limited: boolean } {
    const key = `${endpoint} ${token.clientId} ${token.account.id}`;
    let window = this.windows.get(key);
    if (!window || window.resetsAtMs <= this.now()) this.windows.set(key, window = { resetsAtMs: this.now() + WINDOW_MS, used: 0 });
    const limit = this.limits[endpoint];
    const limited = window.used >= limit;
    if (!limited) window.used += 1;
    return {
      limited,
      headers: { 'x-rate-limit-limit': String(limit), 'x-rate-limit-remaining': String(limit - window.used), 'x-rate-limit-reset': String(Math.ceil(window.resetsAtMs / 1000)) },
    };
  }
  reset(): void {
    this.windows.clear();
    Object.assign(this.limits, DEFAULT_LIMITS);
  }
}
const rateLimits = new WeakMap<SandboxState, XRateLimits>();
/** The sandbox's X rate windows (one per sandbox; `sandbox.reset()` leaves them, `xRateLimits(state).reset()` clears them). */
export function xRateLimits(state: SandboxState): XRateLimits {
  let limits = rateLimits.get(state);
  if (!limits) rateLimits.set(state, limits = new XRateLimits(() => state.now()));
  return limits;
}

/** Authenticates and counts a call to a rate-limited endpoint, then lets `answer` reply (with the rate headers on). */
export function xApiRoute(state: SandboxState, endpoint: XEndpoint, path: string | RegExp,
  answer: (token: IssuedToken, query: URLSearchParams, match: RegExpExecArray | undefined) => SandboxResponse): SandboxRoute {
  return {
    method: 'GET', host: 'api.x.com', path,
    handle: (request, match) => {
      const token = state.liveAccess('twitter', request.bearer());
      if (!token) return problem(401, 'Unauthorized');
      const { headers, limited } = xRateLimits(state).take(endpoint, token);
      const response = limited ? problem(429, 'Too Many Requests')
        : !token.scopes.includes('users.read') || !token.scopes.includes('tweet.read') ? problem(403, 'Forbidden')
        : answer(token, request.query, match);
      return { ...response, headers: { ...response.headers, ...headers } };
    },
  };
}

/** `/2/users/:id` and `/2/users/:id/tweets` (the sandbox knows the token's own user only; others are not found). */
export function xContentApi(state: SandboxState): SandboxRoute[] {
  return [
    xApiRoute(state, 'users/:id', /^\/2\/users\/(\d+)$/, (token, query, match) => {
      if (match![1] !== token.account.id) return userNotFound(match![1]!);
      return { status: 200, body: { data: userFields(userOf(token.account, xCatalogue(state, token.account.login).count), query) } };
    }),
    xApiRoute(state, 'users/:id/tweets', /^\/2\/users\/(\d+)\/tweets$/, (token, query, match) => {
      const invalid = invalidTimelineQuery(query);
      if (invalid) return invalidRequest(invalid.parameter, invalid.message);
      if (match![1] !== token.account.id) return userNotFound(match![1]!);
      const maxResults = Number(query.get('max_results') ?? 10);
      const from = query.has('pagination_token') ? decodePaginationToken(query.get('pagination_token')!) : { beforeIndex: undefined, depth: 0 };
      if (!from) return invalidRequest('pagination_token', `The \`pagination_token\` query parameter value [${query.get('pagination_token')}] is not valid`);
      const sinceId = query.has('since_id') ? BigInt(query.get('since_id')!) : -1n;
      const account = token.account;
      // Newest first from where the last page stopped, down to since_id (exclusive) and the timeline's depth.
      const reachable: { item: CatalogueItem; id: string }[] = [];
      for (const item of xCatalogue(state, account.login).newestFirst(from.beforeIndex)) {
        const id = tweetIdOf(account, item);
        if (BigInt(id) <= sinceId || from.depth + reachable.length === TIMELINE_DEPTH || reachable.length > maxResults) break;
        reachable.push({ item, id });
      }
      const page = reachable.slice(0, maxResults);
      const fields = list(query, 'tweet.fields');
      const withMedia = list(query, 'expansions').includes('attachments.media_keys');
      const tweets = page.map(({ item, id }) => tweetOf(account, item, id, fields));
      const media = withMedia ? page.flatMap(({ item, id }) => mediaOf(item, id, list(query, 'media.fields'))) : [];
      const last = page.at(-1);
      return { status: 200, body: {
        ...(tweets.length > 0 ? { data: tweets } : {}),
        ...(media.length > 0 ? { includes: { media } } : {}),
        meta: {
          result_count: page.length,
          ...(last ? { newest_id: page[0]!.id, oldest_id: last.id } : {}),
          ...(last && reachable.length > maxResults ? { next_token: encodePaginationToken(last.item.index, from.depth + page.length) } : {}),
        },
      } };
    }),
  ];
}

/** The X user a login is, numbers fixed per login; `tweet_count` agrees with the catalogue. */
export function userOf(account: SandboxAccount, tweetCount: number) {
  const seed = (name: string) => `twitter:${account.login}:${name}`;
  const username = usernameOf(account);
  const name = `${account.login.charAt(0).toUpperCase()}${account.login.slice(1)}`;
  return {
    id: account.id,
    name,
    username,
    description: `${name} posts here (a sandbox account).`,
    profile_image_url: `https://pbs.twimg.com/profile_images/${SandboxState.number(seed('image'), 1_000_000_000, 1_999_999_999)}/${username}_normal.jpg`,
    public_metrics: {
      followers_count: SandboxState.number(seed('followers'), 0, 500_000),
      following_count: SandboxState.number(seed('following'), 0, 5_000),
      tweet_count: tweetCount,
      listed_count: SandboxState.number(seed('listed'), 0, 2_000),
      like_count: SandboxState.number(seed('likes'), 0, 100_000),
      media_count: SandboxState.number(seed('media'), 0, 5_000),
    },
    created_at: new Date(Date.UTC(2008, 0, 1) + SandboxState.number(seed('created'), 0, 6000) * 86_400_000).toISOString(),
    protected: false,
  };
}

const usernameOf = (account: SandboxAccount) => account.login.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 15);

/** X sends id, name and username always, and the other user fields only when asked. */
export const userFields = (user: ReturnType<typeof userOf>, query: URLSearchParams) =>
  Object.fromEntries(Object.entries(user).filter(([field]) => ['id', 'name', 'username', ...list(query, 'user.fields')].includes(field)));

/** A snowflake: milliseconds since X's epoch, a 10-bit worker fixed per account, and 12 bits of the index. */
export function tweetIdOf(account: SandboxAccount, item: CatalogueItem): string {
  const worker = BigInt(SandboxState.number(`twitter-worker:${account.id}`, 0, 1023));
  return (((BigInt(item.publishedAt) - TWITTER_EPOCH_MS) << 22n) | (worker << 12n) | BigInt(item.index & 0xfff)).toString();
}

/** What a catalogue item is on X, by index: every 10th (…3) predates view counts and has no impression_count. */
export function xPostFacts(item: CatalogueItem) {
  const photos = item.kind === 'image' ? 1 : item.kind === 'carousel' ? Math.min(item.children, 4) : 0;
  return { photos, video: item.kind === 'video', impressions: item.index % 10 !== 3 };
}

function tweetOf(account: SandboxAccount, item: CatalogueItem, id: string, fields: string[]) {
  const facts = xPostFacts(item);
  let text = `${item.title}\n${item.description}`;
  const hashtags = item.tags.map((tag) => {
    text += ` #${tag}`;
    return { start: text.length - tag.length - 1, end: text.length, tag };
  });
  const keys = mediaKeys(item, id);
  // A post with media ends in a t.co link to it, which entities.urls ties to the first media key.
  const link = `https://t.co/${createHash('sha256').update(id).digest('base64url').slice(0, 10)}`;
  const urls = keys.length === 0 ? [] : [{
    start: text.length + 1, end: text.length + 1 + link.length, url: link, media_key: keys[0],
    expanded_url: `https://x.com/${usernameOf(account)}/status/${id}/${facts.video ? 'video' : 'photo'}/1`, display_url: `pic.x.com/${link.slice(13)}`,
  }];
  if (keys.length > 0) text += ` ${link}`;
  const all = {
    created_at: new Date(item.publishedAt).toISOString(),
    public_metrics: {
      retweet_count: item.shares, reply_count: item.comments, like_count: item.likes, quote_count: Math.floor(item.shares / 4),
      bookmark_count: Math.floor(item.likes / 20), ...(facts.impressions ? { impression_count: item.views } : {}),
    },
    entities: { ...(hashtags.length > 0 ? { hashtags } : {}), ...(urls.length > 0 ? { urls } : {}) },
    ...(keys.length > 0 ? { attachments: { media_keys: keys } } : {}),
    author_id: account.id,
    lang: 'en',
  };
  return { id, text, edit_history_tweet_ids: [id], ...Object.fromEntries(Object.entries(all).filter(([field]) => fields.includes(field))) };
}

/** Media ids are snowflakes taken just before the post's; the key prefixes the type (3 photo, 7 video). */
function mediaKeys(item: CatalogueItem, id: string): string[] {
  const { photos, video } = xPostFacts(item);
  if (video) return [`7_${BigInt(id) - 1n}`];
  return Array.from({ length: photos }, (_, n) => `3_${BigInt(id) - BigInt(n + 1)}`);
}

function mediaOf(item: CatalogueItem, id: string, fields: string[]) {
  return mediaKeys(item, id).map((key, n) => {
    const mediaId = key.slice(2);
    const vertical = item.durationSeconds > 0 && item.durationSeconds <= 60;
    const all = key.startsWith('7_')
      ? { type: 'video', duration_ms: item.durationSeconds * 1000, preview_image_url: `https://pbs.twimg.com/amplify_video_thumb/${mediaId}/img/${item.key}.jpg`, width: vertical ? 720 : 1280, height: vertical ? 1280 : 720 }
      : { type: 'photo', url: `https://pbs.twimg.com/media/${Buffer.from(`${item.key}${n}`).toString('base64url').slice(0, 15)}.jpg`, width: 1200, height: n % 2 ? 1500 : 900 };
    return { media_key: key, ...Object.fromEntries(Object.entries(all).filter(([field]) => field === 'type' || fields.includes(field))) };
  });
}

/** The first thing X would reject in a timeline query, or undefined. */
function invalidTimelineQuery(query: URLSearchParams): { parameter: string; message: string } | undefined {
  for (const name of query.keys()) if (!TIMELINE_PARAMS.has(name)) return { parameter: name, message: `The query parameter [${name}] is not one of [${[...TIMELINE_PARAMS].join(',')}]` };
  const maxResults = query.get('max_results');
  if (maxResults !== null && !(/^\d+$/.test(maxResults) && Number(maxResults) >= 5 && Number(maxResults) <= 100)) {
    return { parameter: 'max_results', message: `The \`max_results\` query parameter value [${maxResults}] is not between 5 and 100` };
  }
  const sinceId = query.get('since_id');
  if (sinceId !== null && !/^\d{1,19}$/.test(sinceId)) return { parameter: 'since_id', message: `The \`since_id\` query parameter value [${sinceId}] does not match ^[0-9]{1,19}$` };
  for (const [parameter, known] of [['tweet.fields', TWEET_FIELDS], ['media.fields', MEDIA_FIELDS], ['expansions', EXPANSIONS], ['exclude', new Set(['replies', 'retweets'])]] as const) {
    const unknown = list(query, parameter).find((value) => !known.has(value));
    if (unknown) return { parameter, message: `The \`${parameter}\` query parameter value [${unknown}] is not one of [${[...known].join(',')}]` };
  }
  return undefined;
}

/** X's tokens are opaque lowercase base-36; these carry the index to continue before and how deep the timeline is read. */
const encodePaginationToken = (beforeIndex: number, depth: number) => ((BigInt(beforeIndex) << 32n) | BigInt(depth) | (1n << 80n)).toString(36);
function decodePaginationToken(token: string): { beforeIndex: number; depth: number } | undefined {
  if (!/^[0-9a-z]{1,20}$/.test(token)) return undefined;
  const value = [...token].reduce((n, digit) => n * 36n + BigInt(parseInt(digit, 36)), 0n);
  if (value >> 80n !== 1n) return undefined;
  return { beforeIndex: Number((value >> 32n) & 0xffff_ffff_ffffn), depth: Number(value & 0xffff_ffffn) };
}

const list = (query: URLSearchParams, name: string) => (query.get(name) ?? '').split(',').filter(Boolean);
export const problem = (status: number, title: string): SandboxResponse => ({ status, body: { title, type: 'about:blank', status, detail: title } });
const invalidRequest = (parameter: string, message: string): SandboxResponse => ({ status: 400, body: {
  errors: [{ parameters: { [parameter]: [parameter] }, message }],
  title: 'Invalid Request', detail: 'One or more parameters to your request was invalid.', type: 'https://api.twitter.com/2/problems/invalid-request',
} });
/** X answers a user it cannot find with 200 and `errors[]` (a partial failure), no `data`. */
const userNotFound = (id: string): SandboxResponse => ({ status: 200, body: { errors: [{
  value: id, detail: `Could not find user with id: [${id}].`, title: 'Not Found Error', resource_type: 'user', parameter: 'id', resource_id: id,
  type: 'https://api.twitter.com/2/problems/resource-not-found',
}] } });
