import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { facebookProvider } from '../functions/oauth/providers/facebook.ts';
import { ProviderError, sandboxHosts, type TokenSet } from '../functions/oauth/providers/port.ts';
import { facebookSource } from '../functions/sync/sources/facebook.ts';
import { instagramSource } from '../functions/sync/sources/instagram.ts';
import type { ContentSource, ContentTypeSlug, ReadOptions, SourceItem, SourceOptions } from '../functions/sync/sources/port.ts';
import { hashtags } from '../functions/sync/sources/read.ts';
import { tiktokSource } from '../functions/sync/sources/tiktok.ts';
import type { ItemKind } from '../local/sandboxes/platforms/catalogue.ts';
import { SANDBOX_CLIENTS } from '../local/sandboxes/platforms/clients.ts';
import { facebook, facebookPage } from '../local/sandboxes/platforms/facebook.ts';
import { facebookPost } from '../local/sandboxes/platforms/facebook-content.ts';
import { graphError } from '../local/sandboxes/platforms/graph.ts';
import { instagram } from '../local/sandboxes/platforms/instagram.ts';
import { INSTAGRAM_KINDS, instagramMedia } from '../local/sandboxes/platforms/instagram-content.ts';
import { startSandbox, type PlatformSandbox } from '../local/sandboxes/platforms/server.ts';
import { tiktok } from '../local/sandboxes/platforms/tiktok.ts';
import { TIKTOK_KINDS, tiktokControls, tiktokVideo } from '../local/sandboxes/platforms/tiktok-content.ts';

const START_MS = Date.parse('2026-03-02T09:00:00.000Z');
let nowMs = START_MS;
const now = () => nowMs;
let sandbox: PlatformSandbox;
beforeAll(async () => { sandbox = await startSandbox([instagram, facebook, tiktok], { now }); });
afterAll(() => sandbox?.stop());
beforeEach(() => {
  nowMs = START_MS;
  sandbox.reset();
  tiktokControls(sandbox.state).requestsPerMinute = 600;
  tiktokControls(sandbox.state).windows.clear();
});

type Slug = 'instagram' | 'facebook' | 'tiktok';
const sourceOptions = (): SourceOptions => ({ hosts: sandboxHosts(sandbox.url), clientSecret: SANDBOX_CLIENTS.facebook.clientSecret, now });
const SOURCES = { instagram: instagramSource, facebook: facebookSource, tiktok: tiktokSource };

/** Tokens for `login`: Instagram and TikTok issued by the sandbox directly; Facebook through the dialog and the OAuth adapter (the Page token comes from /me/accounts). */
async function connect(platform: Slug, login: string, lifetimeSeconds = 30 * 86_400): Promise<{ tokens: TokenSet; read: ReadOptions }> {
  const { state } = sandbox;
  const account = state.account(platform, login);
  if (platform === 'facebook') {
    const redirectUri = 'https://api.streamvibe.test/oauth-facebook-callback';
    const dialog = await fetch(`${sandbox.url}/www.facebook.com/v23.0/dialog/oauth`, {
      method: 'POST', redirect: 'manual',
      body: new URLSearchParams({ client_id: SANDBOX_CLIENTS.facebook.clientId, redirect_uri: redirectUri, response_type: 'code', scope: 'pages_show_list,pages_read_engagement', state: 's', login, decision: 'allow' }),
    });
    const code = new URL(dialog.headers.get('location')!).searchParams.get('code')!;
    const tokens = await facebookProvider({ client: { ...SANDBOX_CLIENTS.facebook, redirectUri }, hosts: sandboxHosts(sandbox.url), now }).exchangeCode(code, '');
    return { tokens, read: { platformAccountId: tokens.extra!.pageId! } };
  }
  const scopes = platform === 'instagram' ? ['instagram_business_basic'] : ['user.info.basic', 'user.info.stats', 'video.list'];
  const accessToken = state.issueToken({ platform, kind: 'access', clientId: SANDBOX_CLIENTS[platform].clientId, account, scopes }, lifetimeSeconds);
  return { tokens: { accessToken, scopes, extra: platform === 'instagram' ? { userId: account.id } : { openId: account.id } }, read: { platformAccountId: account.id } };
}

/** Reads every page as the executor will, checking the paging contract on the way. */
async function readAll(source: ContentSource, tokens: TokenSet, read: ReadOptions) {
  const items: SourceItem[] = [];
  const pageSizes: number[] = [];
  let cursor: string | undefined;
  do {
    const page = await source.page(tokens, read, cursor);
    expect(page.items.length).toBeLessThanOrEqual(source.pageSize);
    pageSizes.push(page.items.length);
    items.push(...page.items);
    cursor = page.next;
  } while (cursor !== undefined && pageSizes.length < 5_000);
  expect(cursor).toBeUndefined();
  return { items, pageSizes };
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

/** The catalogue behind an account, with the kinds its platform module generates. */
const KINDS: Record<Slug, readonly ItemKind[] | undefined> = { instagram: INSTAGRAM_KINDS, facebook: undefined, tiktok: TIKTOK_KINDS };
const catalogue = (platform: Slug, login: string) => sandbox.state.catalogue(platform, login, KINDS[platform]);
/** The platform's id of catalogue item `index` (what the sandbox module shows). */
function platformId(platform: Slug, login: string, index: number): string {
  const item = catalogue(platform, login).item(index)!;
  if (platform === 'instagram') return instagramMedia(item).id as string;
  if (platform === 'tiktok') return tiktokVideo(item, login).id as string;
  return facebookPost(facebookPage(sandbox.state.account('facebook', login))!.id as string, item).id as string;
}

describe.each(['instagram', 'facebook', 'tiktok'] as const)('%s source: full reads against the sandbox', (platform) => {
  it.each(['items-0', 'items-1', 'items-49', 'items-50', 'items-51', 'items-100', 'items-101', 'items-201'])('reads every item of %s once, newest first, the last page without a next', async (login) => {
    const { tokens, read } = await connect(platform, login);
    const { items } = await readAll(SOURCES[platform](sourceOptions()), tokens, read);
    const expected = Number(login.slice('items-'.length));
    expect(items).toHaveLength(expected);
    expect(new Set(items.map((item) => item.platformContentId)).size).toBe(expected);
    const times = items.map((item) => Date.parse(item.publishedAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(new Set(times).size).toBe(expected);
    if (expected > 0) {
      expect(items[0]!.platformContentId).toBe(platformId(platform, login, expected - 1));
      expect(items.at(-1)!.platformContentId).toBe(platformId(platform, login, 0));
    }
  });

  it('shows an edited caption and leaves a removed item out; stats follow the catalogue', async () => {
    const { tokens, read } = await connect(platform, 'items-60');
    const source = SOURCES[platform](sourceOptions());
    const removedId = platformId(platform, 'items-60', 40);
    catalogue(platform, 'items-60').edit(58, { description: 'Rewritten at the source #Fresh #ÉTÉ' });
    catalogue(platform, 'items-60').remove(40);
    const { items } = await readAll(source, tokens, read);
    expect(items).toHaveLength(59);
    expect(items.map((item) => item.platformContentId)).not.toContain(removedId);
    const edited = items.find((item) => item.platformContentId === platformId(platform, 'items-60', 58))!;
    expect(edited.description).toMatch(/^Rewritten at the source #Fresh #ÉTÉ/);
    expect(edited.tags.slice(0, 2)).toEqual(['fresh', 'été']);
    const stats = await source.stats(tokens, read);
    if (platform === 'facebook') expect(stats.followerCount).toBe(facebookPage(sandbox.state.account('facebook', 'items-60'))!.followers_count);
    else expect(stats).toMatchObject({ contentCount: 59, followerCount: expect.any(Number), followingCount: expect.any(Number) });
  });

  it('reports invalid_grant for an expired token, rate_limited when throttled and unavailable on a 503', async () => {
    const path = { instagram: '/v23.0/me/media', tiktok: '/v2/video/list/', facebook: '*' }[platform];
    const host = { instagram: 'graph.instagram.com', tiktok: 'open.tiktokapis.com', facebook: 'graph.facebook.com' }[platform];
    const { tokens, read } = await connect(platform, 'creator', 3600);
    const source = SOURCES[platform](sourceOptions());
    sandbox.inject({ host, path, status: 503, body: '<html>Service Unavailable</html>' });
    expect((await failure(source.page(tokens, read, undefined))).kind).toBe('unavailable');
    if (platform === 'tiktok') {
      tiktokControls(sandbox.state).requestsPerMinute = 2;
      await source.page(tokens, read, undefined);
      await source.page(tokens, read, undefined);
      expect(await failure(source.page(tokens, read, undefined))).toMatchObject({ kind: 'rate_limited', details: { status: 429 } });
      nowMs += 61_000;  // the sliding window has moved past both calls
      await expect(source.page(tokens, read, undefined)).resolves.toMatchObject({ items: expect.any(Array) });
    } else {
      const code = platform === 'instagram' ? 4 : 32;
      const usage = { [read.platformAccountId]: [{ type: platform === 'instagram' ? 'instagram' : 'pages', call_count: 100, total_cputime: 20, total_time: 35, estimated_time_to_regain_access: 7 }] };
      sandbox.inject({ host, path, ...graphError(platform === 'instagram' ? 400 : 403, code, `(#${code}) Application request limit reached`), headers: { 'x-business-use-case-usage': JSON.stringify(usage) } });
      expect(await failure(source.page(tokens, read, undefined))).toMatchObject({ kind: 'rate_limited', details: { providerCode: String(code), retryAfterSeconds: 420 } });
    }
    // Facebook's Page token never expires; its owner's revoked grant is what kills it.
    if (platform === 'facebook') sandbox.state.revokeGrant(sandbox.state.tokens.get(tokens.accessToken)!);
    else nowMs += 2 * 3600_000;
    expect(await failure(source.page(tokens, read, undefined))).toMatchObject({ kind: 'invalid_grant' });
    expect(await failure(source.stats(tokens, read))).toMatchObject({ kind: 'invalid_grant' });
  });
});

describe('Instagram source: types, carousels and counters', () => {
  it('maps IMAGE → image, CAROUSEL_ALBUM → carousel with its children, REELS → reel, a feed VIDEO → short_video', async () => {
    const { tokens, read } = await connect('instagram', 'items-120');
    const { items } = await readAll(instagramSource(sourceOptions()), tokens, read);
    const byKind: Record<ItemKind, ContentTypeSlug> = { image: 'image', carousel: 'carousel', short: 'reel', video: 'short_video', text: 'post' };
    const seen = new Set<ContentTypeSlug>();
    for (const [position, item] of items.entries()) {
      const source = catalogue('instagram', 'items-120').item(119 - position)!;
      expect(item.type).toBe(byKind[source.kind]);
      seen.add(item.type);
      expect(item.title).toBe('');
      expect(item.views).toBeUndefined();
      expect(item.shares).toBeUndefined();
      expect(item.comments).toBe(source.comments);
      expect(item.likes).toBe(source.index % 10 === 3 ? undefined : source.likes);
      expect(item.description).toBe(source.index % 10 === 7 ? '' : `${source.description}\n\n${source.tags.map((t) => `#${t}`).join(' ')}`);
      expect(item.tags).toEqual(source.index % 10 === 7 ? [] : source.tags);
      expect(item.url).toMatch(/^https:\/\/www\.instagram\.com\/(p|reel)\//);
      expect(item.thumbnailUrl).toMatch(/^https:\/\//);
      if (item.type === 'carousel') {
        expect(item.media).toHaveLength(source.children);
        expect(item.media.map((m) => m.mediaType)).toEqual(Array.from({ length: source.children }, (_, i) => (i % 3 === 2 ? 'video' : 'image')));
        expect(item.media.filter((m) => m.mediaType === 'video').every((m) => m.thumbnailUrl)).toBe(true);
      } else {
        expect(item.media).toEqual([]);
      }
    }
    expect(seen).toEqual(new Set(['image', 'carousel', 'reel', 'short_video']));
  });

  it('pages with an absolute paging.next on the sandbox, which carries the query token and works when followed', async () => {
    const { tokens } = await connect('instagram', 'items-30');
    const first = await (await fetch(`${sandbox.url}/graph.instagram.com/v23.0/me/media?fields=id,caption&limit=20&access_token=${tokens.accessToken}`)).json() as
      { data: { id: string }[]; paging: { cursors: { before: string; after: string }; next: string } };
    expect(first.data).toHaveLength(20);
    const next = new URL(first.paging.next);
    expect(`${next.origin}${next.pathname}`).toBe(`${sandbox.url}/graph.instagram.com/v23.0/${tokens.extra!.userId}/media`);
    expect(next.searchParams.get('after')).toBe(first.paging.cursors.after);
    const second = await (await fetch(first.paging.next)).json() as { data: { id: string }[]; paging: { next?: string } };
    expect(second.data).toHaveLength(10);
    expect(second.paging.next).toBeUndefined();
    expect(new Set([...first.data, ...second.data].map((m) => m.id)).size).toBe(30);
  });

  it('reads a 20,000-item account in 200 calls, quickly', async () => {
    const { tokens, read } = await connect('instagram', 'items-20000');
    const started = performance.now();
    const { items, pageSizes } = await readAll(instagramSource(sourceOptions()), tokens, read);
    const elapsedMs = performance.now() - started;
    expect(items).toHaveLength(20_000);
    expect(pageSizes).toHaveLength(200);
    expect(new Set(items.map((item) => item.platformContentId)).size).toBe(20_000);
    console.info(`instagram: 20,000 items in ${Math.round(elapsedMs)} ms`);
    expect(elapsedMs).toBeLessThan(5_000);
  });
});

describe('Facebook source: Page posts', () => {
  it('maps attachments (photo → image, video → long_video, album → carousel, none → post) and the summaries', async () => {
    const { tokens, read } = await connect('facebook', 'items-120');
    const { items } = await readAll(facebookSource(sourceOptions()), tokens, read);
    const byKind: Record<ItemKind, ContentTypeSlug> = { image: 'image', carousel: 'carousel', short: 'long_video', video: 'long_video', text: 'post' };
    const seen = new Set<ContentTypeSlug>();
    for (const [position, item] of items.entries()) {
      const source = catalogue('facebook', 'items-120').item(119 - position)!;
      expect(item.type).toBe(byKind[source.kind]);
      seen.add(item.type);
      expect(item.platformContentId).toMatch(new RegExp(`^${read.platformAccountId}_\\d+$`));
      expect([item.likes, item.comments, item.views, item.shares]).toEqual([source.likes, source.comments, undefined, source.index % 10 === 5 ? undefined : source.shares]);
      expect(item.thumbnailUrl === undefined).toBe(source.kind === 'text');
      expect(item.media).toHaveLength(source.kind === 'carousel' ? source.children : 0);
    }
    expect(seen).toEqual(new Set(['image', 'carousel', 'long_video', 'post']));
  });

  it('refuses the user token on the Page edge (#210), and signs calls with appsecret_proof', async () => {
    const { tokens, read } = await connect('facebook', 'creator');
    const userTokenOnly = { ...tokens, extra: { ...tokens.extra, pageToken: tokens.accessToken } };
    expect(await failure(facebookSource(sourceOptions()).page(userTokenOnly, read, undefined))).toMatchObject({ kind: 'access_denied', details: { providerCode: '210' } });
    const wrongSecret = facebookSource({ ...sourceOptions(), clientSecret: 'not-the-secret' });
    expect(await failure(wrongSecret.page(tokens, read, undefined))).toMatchObject({ kind: 'bad_response', details: { providerCode: '100' } });
    expect(await failure(facebookSource(sourceOptions()).page({ ...tokens, extra: {} }, read, undefined))).toMatchObject({ kind: 'invalid_grant' });
  });
});

describe('TikTok source: the video list', () => {
  it('reads short pages with has_more to the end, all short videos with every counter', async () => {
    const { tokens, read } = await connect('tiktok', 'items-200');
    const { items, pageSizes } = await readAll(tiktokSource(sourceOptions()), tokens, read);
    expect(items).toHaveLength(200);
    expect(pageSizes.slice(0, -1).some((size) => size < 20)).toBe(true);
    for (const [position, item] of items.entries()) {
      const source = catalogue('tiktok', 'items-200').item(199 - position)!;
      expect(item).toMatchObject({
        type: 'short_video', title: source.index % 4 === 0 ? source.title : '', durationSeconds: source.durationSeconds,
        views: source.views, likes: source.likes, comments: source.comments, shares: source.shares, tags: source.tags, media: [],
        publishedAt: new Date(Math.floor(source.publishedAt / 1000) * 1000).toISOString(),
      });
    }
  });

  it('answers as TikTok does: POST only, fields from the query, max_count up to 20, scopes checked', async () => {
    const { tokens } = await connect('tiktok', 'creator');
    const list = `${sandbox.url}/open.tiktokapis.com/v2/video/list/`;
    const post = (query: string, body: unknown, accessToken = tokens.accessToken) => fetch(`${list}${query}`, {
      method: 'POST', headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: await r.json() as { data: { videos?: unknown[]; cursor?: number; has_more?: boolean }; error: { code: string } } }));
    expect((await fetch(`${list}?fields=id`, { headers: { authorization: `Bearer ${tokens.accessToken}` } })).status).toBe(405);
    expect(await post('', { fields: ['id'], max_count: 5 })).toMatchObject({ status: 400, body: { error: { code: 'invalid_params' } } });
    expect(await post('?fields=id', { max_count: 21 })).toMatchObject({ status: 400, body: { error: { code: 'invalid_params' } } });
    expect(await post('?fields=id,plays', {})).toMatchObject({ status: 400, body: { error: { code: 'invalid_params' } } });
    expect(await post('?fields=id', {}, 'act.unknown')).toMatchObject({ status: 401, body: { error: { code: 'access_token_invalid' } } });
    const defaults = await post('?fields=id,create_time', {});
    expect(defaults.body.error.code).toBe('ok');
    expect(defaults.body.data.videos!.length).toBeLessThanOrEqual(10);
    expect(Object.keys(defaults.body.data.videos![0] as object)).toEqual(['id', 'create_time']);
    // create_time in seconds, the cursor in ms: the last video's create_time × 1000.
    expect(defaults.body.data.cursor).toBe((defaults.body.data.videos!.at(-1) as { create_time: number }).create_time * 1000);
    const account = sandbox.state.account('tiktok', 'no-video-scope');
    const noScope = sandbox.state.issueToken({ platform: 'tiktok', kind: 'access', clientId: SANDBOX_CLIENTS.tiktok.clientId, account, scopes: ['user.info.basic'] }, 3600);
    expect(await post('?fields=id', {}, noScope)).toMatchObject({ status: 401, body: { error: { code: 'scope_not_authorized' } } });
    expect((await failure(tiktokSource(sourceOptions()).page({ accessToken: noScope, scopes: [] }, { platformAccountId: account.id }, undefined))).kind).toBe('access_denied');
  });

  it('reads a 20,000-item account quickly (the rate limit lifted: 1,000+ calls in a minute is past TikTok\'s 600)', async () => {
    tiktokControls(sandbox.state).requestsPerMinute = Number.POSITIVE_INFINITY;
    const { tokens, read } = await connect('tiktok', 'items-20000');
    const started = performance.now();
    const { items, pageSizes } = await readAll(tiktokSource(sourceOptions()), tokens, read);
    const elapsedMs = performance.now() - started;
    expect(items).toHaveLength(20_000);
    expect(new Set(items.map((item) => item.platformContentId)).size).toBe(20_000);
    console.info(`tiktok: 20,000 items in ${pageSizes.length} calls, ${Math.round(elapsedMs)} ms`);
    expect(elapsedMs).toBeLessThan(8_000);
  });
});

describe('hashtags', () => {
  it('takes #tags with a letter, lower case, once, in order; not numbers, URL fragments or mid-word #', () => {
    expect(hashtags('Trip #Travel #food #travel #1 see https://x.test/#top a#b (#Été) #café_2026')).toEqual(['travel', 'food', 'été', 'café_2026']);
    expect(hashtags(undefined)).toEqual([]);
  });
});

