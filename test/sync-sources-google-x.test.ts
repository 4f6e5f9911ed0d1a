import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError, sandboxHosts, type TokenSet } from '../functions/oauth/providers/port.ts';
import type { ContentSource, ReadOptions, SourceItem, SourcePage } from '../functions/sync/sources/port.ts';
import { twitterSource } from '../functions/sync/sources/twitter.ts';
import { isoDurationSeconds, youtubeSource } from '../functions/sync/sources/youtube.ts';
import { SANDBOX_CLIENTS } from '../local/sandboxes/platforms/clients.ts';
import { google, GOOGLE_HIDDEN_SUBSCRIBERS_LOGIN, youtubeCatalogue, youtubeQuota, youtubeVideoFacts } from '../local/sandboxes/platforms/google.ts';
import { startSandbox, type PlatformSandbox } from '../local/sandboxes/platforms/server.ts';
import { x, xCatalogue, xPostFacts, xRateLimits } from '../local/sandboxes/platforms/x.ts';

/** 15:00 UTC is 08:00 in Los Angeles (PDT): YouTube's quota resets in 16 h. */
const START_MS = Date.parse('2026-03-10T15:00:00Z');
const YOUTUBE_SCOPE = 'https://www.googleapis.com/auth/youtube.readonly';

let nowMs = START_MS;
const now = () => nowMs;
let sandbox: PlatformSandbox;
let youtube: ContentSource;
let twitter: ContentSource;

beforeAll(async () => {
  sandbox = await startSandbox([google, x], { now });
  youtube = youtubeSource({ hosts: sandboxHosts(sandbox.url), now });
  twitter = twitterSource({ hosts: sandboxHosts(sandbox.url), now });
});
afterAll(() => sandbox.stop());
beforeEach(() => {
  nowMs = START_MS;
  sandbox.reset();
  youtubeQuota(sandbox.state).reset();
  xRateLimits(sandbox.state).reset();
});

/** A live access token for `login` straight from the sandbox (the connect flow is oauth-providers-google-x.test.ts's). */
function connected(platform: 'youtube' | 'twitter', login: string): { tokens: TokenSet; read: ReadOptions } {
  const account = sandbox.state.account(platform, login, platform === 'youtube' ? 'UC' : '');
  const scopes = platform === 'youtube' ? [YOUTUBE_SCOPE] : ['tweet.read', 'users.read', 'offline.access'];
  const accessToken = sandbox.state.issueToken({ platform, kind: 'access', clientId: SANDBOX_CLIENTS[platform].clientId, account, scopes },
    platform === 'youtube' ? 3599 : 7200);
  return { tokens: { accessToken, scopes }, read: { platformAccountId: account.id } };
}

/** Every page from the first until one has no `next`. */
async function readAll(source: ContentSource, { tokens, read }: { tokens: TokenSet; read: ReadOptions }, custom = source) {
  const pages: SourcePage[] = [];
  let cursor: string | undefined;
  do {
    const page = await custom.page(tokens, read, cursor);
    pages.push(page);
    cursor = page.next;
  } while (cursor !== undefined && pages.length < 2_000);
  return { pages, items: pages.flatMap((page) => page.items) };
}

function expectNewestFirstOnce(items: SourceItem[]) {
  expect(new Set(items.map((item) => item.platformContentId)).size).toBe(items.length);
  const times = items.map((item) => Date.parse(item.publishedAt));
  expect(times.every((time, i) => i === 0 || time < times[i - 1]!)).toBe(true);
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('youtubeSource (functions/sync/sources/youtube.ts) against the YouTube sandbox', () => {
  it.each([0, 1, 49, 50, 51])('reads all %i videos of a channel once, newest first, 50 a page, at 1 + 2 units a page', async (size) => {
    const login = `items-${size}`;

    const { pages, items } = await readAll(youtube, connected('youtube', login));

    expect(items.map((item) => item.publishedAt)).toEqual(youtubeCatalogue(sandbox.state, login).page(size + 1).items.map((item) => new Date(item.publishedAt).toISOString()));
    expectNewestFirstOnce(items);
    expect(pages.map((page) => page.items.length)).toEqual(size <= 50 ? [size] : [50, size - 50]);
    // An empty channel needs no videos.list.
    expect(pages.map((page) => page.quotaUnits)).toEqual(size === 0 ? [2] : size <= 50 ? [3] : [3, 2]);
    expect(pages.map((page) => page.total)).toEqual(pages.map(() => size));
    expect(pages.at(-1)!.next).toBeUndefined();
  });

  it('reads a 20,000-video channel in 400 pages for 1 + 2 × 400 quota units, counted alike by the source and the sandbox', async () => {
    const quota = youtubeQuota(sandbox.state);
    const startedMs = performance.now();

    const { pages, items } = await readAll(youtube, connected('youtube', 'items-20000'));

    const elapsedMs = performance.now() - startedMs;
    console.info(`youtubeSource read 20,000 videos in ${Math.round(elapsedMs)} ms`);
    expect(items).toHaveLength(20_000);
    expectNewestFirstOnce(items);
    expect(pages).toHaveLength(400);
    expect(pages.reduce((units, page) => units + page.quotaUnits!, 0)).toBe(801);
    expect(10_000 - quota.remaining()).toBe(801);
    expect(elapsedMs).toBeLessThan(8_000);
  });

  it('maps videos: counters as numbers or undefined when hidden, durations past a day, P0D as unknown, Shorts, tags, links', async () => {
    const login = 'items-120';
    const { items } = await readAll(youtube, connected('youtube', login));
    const catalogue = youtubeCatalogue(sandbox.state, login).page(120).items;

    items.forEach((item, i) => {
      const source = catalogue[i]!;
      const facts = youtubeVideoFacts(source);
      expect(item).toMatchObject({
        type: facts.short ? 'short_video' : 'long_video', description: source.description,
        durationSeconds: facts.upcoming ? undefined : facts.durationSeconds, views: facts.upcoming ? 0 : source.views,
        likes: facts.likesHidden ? undefined : facts.upcoming ? 0 : source.likes, comments: facts.commentsOff ? undefined : facts.upcoming ? 0 : source.comments,
        media: [], url: `https://www.youtube.com/${facts.short ? 'shorts/' : 'watch?v='}${item.platformContentId}`,
        thumbnailUrl: `https://i.ytimg.com/vi/${item.platformContentId}/maxresdefault.jpg`,
        platformData: { liveBroadcastContent: facts.upcoming ? 'upcoming' : 'none', definition: 'hd' },
      });
      expect(item.title).toBe(facts.short ? `${source.title} #shorts` : source.title);
      expect(item.shares).toBeUndefined();
      expect(item.tags).toEqual(expect.arrayContaining(facts.tagged ? source.tags : []));
      if (facts.short) expect(item.tags).toContain('shorts');
      expect(item.tags.every((tag) => tag === tag.toLowerCase() && !tag.startsWith('#'))).toBe(true);
    });
    // The channel has each awkward case at least once.
    expect(items.some((item) => item.durationSeconds! > 86_400)).toBe(true);
    expect(items.some((item) => item.durationSeconds === undefined)).toBe(true);
    expect(items.some((item) => item.likes === undefined)).toBe(true);
    expect(items.some((item) => item.comments === undefined)).toBe(true);
    expect(new Set(items.map((item) => item.type))).toEqual(new Set(['short_video', 'long_video']));
  });

  it('parses YouTube durations, including days and P0D', () => {
    expect(['PT45S', 'PT4M13S', 'PT1H', 'PT1H2M3S', 'P1DT2H3M4S', 'P2D', 'P0D', 'PT0S', 'P1W'].map(isoDurationSeconds))
      .toEqual([45, 253, 3600, 3723, 93_784, 172_800, 0, 0, 604_800]);
    expect(['', 'P', 'PT', '4:13', 'PT4M13'].map(isoDurationSeconds)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('sees an edited title and no longer sees a removed video on the next read', async () => {
    const connection = connected('youtube', 'items-60');
    const before = (await readAll(youtube, connection)).items;
    const catalogue = youtubeCatalogue(sandbox.state, 'items-60');

    catalogue.edit(59, { title: 'Renamed at the source' });
    catalogue.remove(58);
    const { pages, items } = await readAll(youtube, connection);

    expect(items[0]!.title).toMatch(/^Renamed at the source/);
    expect(items[0]!.platformContentId).toBe(before[0]!.platformContentId);
    expect(items.map((item) => item.platformContentId)).toEqual(before.filter((_, i) => i !== 1).map((item) => item.platformContentId));
    expect(pages[0]!.total).toBe(59);
  });

  it('skips a video the playlist lists but videos.list no longer returns (deleted between the two calls)', async () => {
    const catalogue = youtubeCatalogue(sandbox.state, 'items-20');
    const deletedPublishedAt = new Date(catalogue.item(10)!.publishedAt).toISOString();
    const racing = youtubeSource({
      hosts: sandboxHosts(sandbox.url), now,
      fetch: (input, init) => {
        if (String(input).includes('/youtube/v3/videos?')) catalogue.remove(10);
        return fetch(input, init);
      },
    });

    const { items } = await readAll(youtube, connected('youtube', 'items-20'), racing);

    expect(items).toHaveLength(19);
    expect(items.map((item) => item.publishedAt)).not.toContain(deletedPublishedAt);
  });

  it('reads the channel totals; a hidden subscriber count is undefined, not 0', async () => {
    expect(await youtube.stats(connected('youtube', 'items-51').tokens, connected('youtube', 'items-51').read))
      .toEqual({ followerCount: expect.any(Number), contentCount: 51, totalViews: expect.any(Number) });
    const hidden = connected('youtube', GOOGLE_HIDDEN_SUBSCRIBERS_LOGIN);
    expect((await youtube.stats(hidden.tokens, hidden.read)).followerCount).toBeUndefined();
  });

  it('fails as rate_limited until midnight in Los Angeles when the day’s quota is spent (PDT and PST), and reads again after it', async () => {
    const quota = youtubeQuota(sandbox.state);
    quota.setRemaining(2);

    // channels and playlistItems take the last two units; videos.list is refused.
    const summer = await failure(youtube.page(connected('youtube', 'creator').tokens, connected('youtube', 'creator').read, undefined));
    nowMs = Date.parse('2026-01-15T20:00:00Z'); // 12:00 PST
    quota.setRemaining(0);
    const winter = await failure(youtube.page(connected('youtube', 'creator').tokens, connected('youtube', 'creator').read, undefined));
    nowMs = Date.parse('2026-01-16T08:00:01Z'); // 00:00:01 PST: a new day's quota
    const next = await youtube.page(connected('youtube', 'creator').tokens, connected('youtube', 'creator').read, undefined);

    expect(summer).toMatchObject({ kind: 'rate_limited', details: { status: 403, providerCode: 'quotaExceeded', retryAfterSeconds: 16 * 3600 } });
    expect(winter.details.retryAfterSeconds).toBe(12 * 3600);
    expect(next.items).toHaveLength(30);
  });

  it('fails as invalid_grant for an expired token and as unavailable for a 503', async () => {
    const connection = connected('youtube', 'creator');
    sandbox.inject({ host: 'www.googleapis.com', path: '/youtube/v3/playlistItems', status: 503, body: { error: { code: 503, message: 'The service is currently unavailable.' } } });

    const unavailable = await failure(youtube.page(connection.tokens, connection.read, undefined));
    nowMs += 3600_000;
    const expired = await failure(youtube.page(connection.tokens, connection.read, undefined));

    expect(unavailable).toMatchObject({ kind: 'unavailable', details: { status: 503 } });
    expect(expired).toMatchObject({ kind: 'invalid_grant', details: { status: 401, providerCode: 'authError' } });
  });

  it('sandbox: uploads id and videoCount agree with the playlist, ETags give 304, a bad page token is 400 invalidPageToken', async () => {
    const { tokens } = connected('youtube', 'items-7');
    const get = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${sandbox.url}/www.googleapis.com/youtube/v3/${path}`, { headers: { authorization: `Bearer ${tokens.accessToken}`, ...headers } });
    const channel = (await (await get('channels?part=contentDetails,statistics&mine=true')).json()).items[0];
    const uploads = channel.contentDetails.relatedPlaylists.uploads;

    const first = await get(`playlistItems?part=snippet,contentDetails&playlistId=${uploads}&maxResults=5`);
    const body = await first.json();
    const again = await get(`playlistItems?part=snippet,contentDetails&playlistId=${uploads}&maxResults=5`, { 'if-none-match': first.headers.get('etag')! });
    const last = await (await get(`playlistItems?part=contentDetails&playlistId=${uploads}&maxResults=5&pageToken=${body.nextPageToken}`)).json();
    const badToken = await get(`playlistItems?part=contentDetails&playlistId=${uploads}&pageToken=nonsense`);
    const videos = await (await get(`videos?part=statistics,contentDetails&id=${body.items.map((i: { contentDetails: { videoId: string } }) => i.contentDetails.videoId).join(',')}`)).json();

    expect(channel.statistics.videoCount).toBe('7');
    expect(body).toMatchObject({ etag: first.headers.get('etag')!.replaceAll('"', ''), pageInfo: { totalResults: 7, resultsPerPage: 5 } });
    expect(body.items.map((i: { snippet: { position: number } }) => i.snippet.position)).toEqual([0, 1, 2, 3, 4]);
    expect(again.status).toBe(304);
    expect(last.items).toHaveLength(2);
    expect(last.nextPageToken).toBeUndefined();
    expect(badToken.status).toBe(400);
    expect((await badToken.json()).error.errors[0]).toMatchObject({ domain: 'youtube.parameter', reason: 'invalidPageToken' });
    expect(videos.items).toHaveLength(5);
    expect(typeof videos.items[0].statistics.viewCount).toBe('string');
    expect(videos.items[0].contentDetails.duration).toMatch(/^P/);
  });
});

describe('twitterSource (functions/sync/sources/twitter.ts) against the X sandbox', () => {
  it.each([0, 1, 49, 50, 51, 100, 101, 250])('reads all %i posts once, newest first, 100 a page', async (size) => {
    const login = `items-${size}`;

    const { pages, items } = await readAll(twitter, connected('twitter', login));

    expect(items.map((item) => item.publishedAt)).toEqual(xCatalogue(sandbox.state, login).page(size + 1).items.map((item) => new Date(item.publishedAt).toISOString()));
    expectNewestFirstOnce(items);
    expect(pages).toHaveLength(Math.max(1, Math.ceil(size / 100)));
    expect(pages.at(-1)!.next).toBeUndefined();
  });

  it('reaches only the newest 3,200 posts, as X does', async () => {
    const { pages, items } = await readAll(twitter, connected('twitter', 'items-3500'));

    expect(items).toHaveLength(3_200);
    expect(pages).toHaveLength(32);
    expect(items[0]!.publishedAt).toBe(new Date(xCatalogue(sandbox.state, 'items-3500').item(3499)!.publishedAt).toISOString());
  });

  it('maps posts: type by media, carousel children, text without media links, hashtags, counters (views only when X has them)', async () => {
    const login = 'items-60';
    const { items } = await readAll(twitter, connected('twitter', login));
    const catalogue = xCatalogue(sandbox.state, login).page(60).items;

    items.forEach((item, i) => {
      const source = catalogue[i]!;
      const facts = xPostFacts(source);
      const type = { text: 'post', image: 'image', carousel: 'carousel', video: source.durationSeconds <= 60 ? 'short_video' : 'long_video' }[source.kind as string];
      expect(item).toMatchObject({
        type, title: '', url: `https://x.com/i/web/status/${item.platformContentId}`, tags: source.tags,
        views: facts.impressions ? source.views : undefined, likes: source.likes, comments: source.comments,
        shares: source.shares + Math.floor(source.shares / 4), durationSeconds: facts.video ? source.durationSeconds : undefined,
      });
      expect(item.description).toBe(`${source.title}\n${source.description} ${source.tags.map((tag) => `#${tag}`).join(' ')}`);
      expect(item.media).toHaveLength(source.kind === 'carousel' ? facts.photos : 0);
      if (source.kind === 'text') expect(item.thumbnailUrl).toBeUndefined();
      else expect(item.thumbnailUrl).toMatch(/^https:\/\/pbs\.twimg\.com\//);
    });
    const carousels = items.filter((item) => item.type === 'carousel');
    expect(carousels.length).toBeGreaterThan(0);
    for (const carousel of carousels) {
      expect(carousel.media.length).toBeGreaterThanOrEqual(2);
      expect(carousel.media.length).toBeLessThanOrEqual(4);
      for (const child of carousel.media) expect(child).toMatchObject({ mediaType: 'image', url: expect.stringMatching(/^https:\/\/pbs\.twimg\.com\/media\//), width: expect.any(Number), height: expect.any(Number) });
    }
    expect(items.some((item) => item.views === undefined)).toBe(true);
    expect(new Set(items.map((item) => item.type))).toEqual(new Set(['post', 'image', 'carousel', 'long_video']));
  });

  it('reads only newer posts with since_id after three are published', async () => {
    const connection = connected('twitter', 'creator');
    const [newest] = (await readAll(twitter, connection)).items;
    xCatalogue(sandbox.state, 'creator').publish(3);
    const since = { platformContentId: newest!.platformContentId, publishedAt: newest!.publishedAt };

    const { pages, items } = await readAll(twitter, { tokens: connection.tokens, read: { ...connection.read, since } });
    const after = await readAll(twitter, { tokens: connection.tokens, read: { ...connection.read, since: { platformContentId: items[0]!.platformContentId, publishedAt: items[0]!.publishedAt } } });

    expect(pages).toHaveLength(1);
    expect(items).toHaveLength(3);
    expectNewestFirstOnce(items);
    expect(items.every((item) => BigInt(item.platformContentId) > BigInt(newest!.platformContentId))).toBe(true);
    expect(after.items).toEqual([]);
  });

  it('reads the user totals; the post count agrees with the timeline', async () => {
    const connection = connected('twitter', 'items-42');

    expect(await twitter.stats(connection.tokens, connection.read)).toEqual({ followerCount: expect.any(Number), followingCount: expect.any(Number), contentCount: 42 });
  });

  it('fails as rate_limited until x-rate-limit-reset when the window is spent, and reads on once it has passed', async () => {
    xRateLimits(sandbox.state).limits['users/:id/tweets'] = 1;
    const connection = connected('twitter', 'items-150');
    const first = await twitter.page(connection.tokens, connection.read, undefined);
    nowMs += 60_000;

    const limited = await failure(twitter.page(connection.tokens, connection.read, first.next));
    nowMs += 14 * 60_000;
    const second = await twitter.page(connection.tokens, connection.read, first.next);

    expect(limited).toMatchObject({ kind: 'rate_limited', details: { status: 429, retryAfterSeconds: 14 * 60 } });
    expect(second.items).toHaveLength(50);
  });

  it('fails as invalid_grant for an expired token, unavailable for a 503, bad_response for a user X cannot find', async () => {
    const connection = connected('twitter', 'creator');
    sandbox.inject({ host: 'api.x.com', path: '/2/users/*', status: 503, body: { title: 'Service Unavailable', type: 'about:blank', status: 503, detail: 'Service Unavailable' } });

    const unavailable = await failure(twitter.page(connection.tokens, connection.read, undefined));
    const unknownUser = await failure(twitter.page(connection.tokens, { platformAccountId: '12' }, undefined));
    nowMs += 7200_000;
    const expired = await failure(twitter.page(connection.tokens, connection.read, undefined));

    expect(unavailable).toMatchObject({ kind: 'unavailable', details: { status: 503 } });
    expect(unknownUser.kind).toBe('bad_response');
    expect(unknownUser.message).toContain('Could not find user with id: [12]');
    expect(expired).toMatchObject({ kind: 'invalid_grant', details: { status: 401 } });
  });

  it('sandbox: rate headers on every answer, snowflake ids growing with time, next_token absent on the last page, 400 for bad parameters', async () => {
    const { tokens, read } = connected('twitter', 'items-12');
    const get = (query: string) => fetch(`${sandbox.url}/api.x.com/2/users/${read.platformAccountId}/tweets?${query}`, { headers: { authorization: `Bearer ${tokens.accessToken}` } });

    const first = await get('max_results=10');
    const body = await first.json();
    const last = await (await get(`max_results=10&pagination_token=${body.meta.next_token}`)).json();
    const tooMany = await get('max_results=101');

    expect(first.headers.get('x-rate-limit-limit')).toBe('900');
    expect(first.headers.get('x-rate-limit-remaining')).toBe('899');
    expect(Number(first.headers.get('x-rate-limit-reset'))).toBe((START_MS + 900_000) / 1000);
    expect(Object.keys(body.data[0]).sort()).toEqual(['edit_history_tweet_ids', 'id', 'text']);
    expect(body.meta).toMatchObject({ result_count: 10, newest_id: body.data[0].id, oldest_id: body.data[9].id });
    expect(body.data.every((tweet: { id: string }, i: number) => i === 0 || BigInt(tweet.id) < BigInt(body.data[i - 1].id))).toBe(true);
    expect(last.meta).toEqual({ result_count: 2, newest_id: last.data[0].id, oldest_id: last.data[1].id });
    expect(tooMany.status).toBe(400);
    expect(tooMany.headers.get('x-rate-limit-remaining')).toBe('897');
  });
});
