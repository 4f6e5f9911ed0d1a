import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService } from '../../db/context.ts';
import { startTestApi, type TestApi } from '../api.ts';
import { buildDiscoveryWorld, type DiscoveryWorld } from './discovery-world.ts';

let api: TestApi;
let world: DiscoveryWorld;
beforeAll(async () => {
  api = await startTestApi('api_discovery_browse');
  world = await buildDiscoveryWorld(api.db.app);
});
afterAll(async () => { await api?.stop(); });

const service = <T>(work: Parameters<typeof asService<T>>[1]) => asService(api.db.app, work);
const get = (path: string) => api.request('GET', path);

/** The ids of the discoverable items in an order, computed by PostgreSQL from the fixture (not by the API). */
const expectedContent = async (orderBy: 'recent' | 'popular', where = 'true') => (await service((tx) => tx.unsafe(`
  SELECT c.id FROM content_item c WHERE c.id = ANY($1::uuid[]) AND ${where}
  ORDER BY ${orderBy === 'recent' ? 'c.published_at DESC, c.id DESC' : 'c.views_count DESC, c.id DESC'}`, [world.discoverable]))).map((r) => r.id as string);

/** Every page of a list, by cursor or by offset; fails on a non-200, and on a cursor on the last page. */
async function walk(path: string, mode: 'cursor' | 'offset', limit: number, key = (item: any) => item.id as string) {
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let offset = 0, pages = 0; pages < 200; pages += 1, offset += limit) {
    const paging: string = mode === 'cursor' ? (cursor ? `&cursor=${cursor}` : '') : `&offset=${offset}`;
    const res = await get(`${path}${path.includes('?') ? '&' : '?'}limit=${limit}${paging}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.page.limit).toBe(limit);
    expect(res.body.items.length).toBeLessThanOrEqual(limit);
    seen.push(...res.body.items.map(key));
    if (!res.body.page.has_more) {
      expect(res.body.page.next_cursor).toBeNull();
      return seen;
    }
    expect(res.body.items).toHaveLength(limit);
    cursor = res.body.page.next_cursor;
  }
  throw new Error('too many pages');
}

describe('GET /browse-content', () => {
  it('lists only discoverable items, newest first, as cards with the creator nested and a CDN cache policy', async () => {
    const res = await get('/browse-content?limit=100');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toMatch(/^public, max-age=\d+, s-maxage=\d+/);
    expect(res.body.items.map((i: any) => i.id)).toEqual(await expectedContent('recent'));
    for (const hidden of world.hidden) expect(res.text).not.toContain(hidden);
    expect(res.body.items[0]).toMatchObject({
      id: world.items.minecraft, title: 'Minecraft survival tutorial', category: 'gaming', platform: 'youtube', content_type: 'long_video',
      views_count: 5000, duration_seconds: 754, thumbnail_url: 'https://img.example.com/mc.jpg',
      creator: { display_name: 'Alice Gamer', profile_slug: world.users.alice.slug, is_verified: true },
    });
    expect(res.body.items[0].published_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(res.body.page).toEqual({ limit: 100, has_more: false, next_cursor: null });
  });

  for (const sort of ['recent', 'popular'] as const) {
    for (const mode of ['cursor', 'offset'] as const) {
      it(`walks every ${sort} page by ${mode} with no duplicate and no gap, ties broken by id`, async () => {
        expect(await walk(`/browse-content?sort=${sort}`, mode, 7)).toEqual(await expectedContent(sort));
      });
    }
  }

  it('walks the trending ranks by cursor and by offset (period week by default), in rank order', async () => {
    const ranks = await service((tx) => tx`SELECT content_id FROM trending_content WHERE period = 'week' ORDER BY rank`);
    const expected = ranks.map((r) => r.content_id as string).filter((id) => world.discoverable.includes(id));
    expect(expected.length).toBe(world.discoverable.length);
    expect(await walk('/browse-content?sort=trending', 'cursor', 8)).toEqual(expected);
    expect(await walk('/browse-content?sort=trending', 'offset', 8)).toEqual(expected);
  });

  it('filters by category, platform, content type and creator, alone and combined', async () => {
    const ids = async (query: string) => (await get(`/browse-content?limit=100&${query}`)).body.items.map((i: any) => i.id);
    expect(await ids('category=gaming')).toEqual(await expectedContent('recent', `c.category_code = 'gaming'`));
    expect(await ids('platform=tiktok')).toEqual(await expectedContent('recent', `c.platform_id = (SELECT id FROM platform WHERE slug = 'tiktok')`));
    expect(await ids('content_type=reel&sort=popular'))
      .toEqual(await expectedContent('popular', `c.content_type_id = (SELECT id FROM content_type WHERE slug = 'reel')`));
    expect(await ids(`creator_slug=${world.users.bob.slug}&category=music`))
      .toEqual(await expectedContent('recent', `c.user_id = '${world.users.bob.id}' AND c.category_code = 'music'`));
    expect(await ids(`creator_slug=${world.users.carol.slug}`)).toEqual([]);
    expect(await ids('platform=myspace')).toEqual([]);
    const trendingMusic = (await get('/browse-content?sort=trending&period=all_time&category=music&limit=100')).body.items;
    expect(trendingMusic.length).toBeGreaterThan(0);
    expect(trendingMusic.every((i: any) => i.category === 'music')).toBe(true);
  });
});

describe('GET /get-trending', () => {
  it('returns the ranks of a period (default today) with rank and score, filtered, paged by rank', async () => {
    const res = await get('/get-trending?limit=5');
    expect(res.status).toBe(200);
    expect(res.body.period).toBe('today');
    expect(res.body.items.map((i: any) => i.rank)).toEqual([1, 2, 3, 4, 5]);
    expect(res.body.items[0].trend_score).toBeGreaterThan(0);
    const all = await walk('/get-trending?period=all_time', 'cursor', 6);
    expect(new Set(all)).toEqual(new Set(world.discoverable));
    const tiktok = (await get('/get-trending?period=month&platform=tiktok&limit=100')).body.items;
    expect(tiktok.length).toBeGreaterThan(0);
    expect(tiktok.every((i: any) => i.platform === 'tiktok')).toBe(true);
    const wrongPeriod = await get(`/get-trending?period=week&cursor=${res.body.page.next_cursor}`);
    expect(wrongPeriod.status).toBe(400);
  });
});

describe('GET /browse-creators', () => {
  const expectedCreators = async (order: string, where = 'true') => (await service((tx) => tx.unsafe(`
    SELECT profile_slug FROM users u WHERE u.is_public AND u.deleted_at IS NULL AND u.profile_slug IS NOT NULL AND ${where}
    ORDER BY ${order}`))).map((r) => r.profile_slug as string);

  it('lists public, live creators with public fields only and the platforms they are on', async () => {
    const res = await get('/browse-creators?limit=100');
    expect(res.status).toBe(200);
    const slugs = res.body.items.map((c: any) => c.profile_slug);
    expect(slugs).toEqual(await expectedCreators('total_followers DESC, id'));
    expect(slugs).not.toContain(world.users.carol.slug);
    expect(slugs).not.toContain(world.users.dave.slug);
    const alice = res.body.items.find((c: any) => c.profile_slug === world.users.alice.slug);
    expect(Object.keys(alice).sort()).toEqual(['avatar_url', 'bio', 'display_name', 'is_verified', 'joined_at', 'platforms', 'primary_category',
      'profile_slug', 'total_content', 'total_followers', 'total_views', 'website_url']);
    expect(alice).toMatchObject({ total_followers: 100_000, total_views: 5_001_000, is_verified: true, platforms: ['youtube', 'tiktok'] });
    const [own] = await service((tx) => tx`SELECT count(*)::int AS n FROM content_item WHERE user_id = ${world.users.alice.id}
                                             AND id = ANY(${world.discoverable}::uuid[])`);
    expect(alice.total_content).toBe(own!.n);
  });

  for (const [sort, order] of [['followers', 'total_followers DESC, id'], ['recent', 'created_at DESC, id'], ['popular', 'total_views DESC, id']] as const) {
    it(`walks every page sorted by ${sort}, by cursor and by offset, with ties broken by id`, async () => {
      const expected = await expectedCreators(order);
      const slug = (c: any) => c.profile_slug as string;
      expect(await walk(`/browse-creators?sort=${sort}`, 'cursor', 4, slug)).toEqual(expected);
      expect(await walk(`/browse-creators?sort=${sort}`, 'offset', 4, slug)).toEqual(expected);
    });
  }

  it('filters by category, verified_only and min_followers', async () => {
    const slugs = async (query: string) => (await get(`/browse-creators?limit=100&${query}`)).body.items.map((c: any) => c.profile_slug);
    expect(await slugs('category=music')).toEqual(await expectedCreators('total_followers DESC, id', `primary_category = 'music'`));
    expect(await slugs('verified_only=true')).toEqual([world.users.alice.slug]);
    expect(await slugs('min_followers=50000')).toEqual([world.users.alice.slug, world.users.bob.slug]);
    expect(await slugs('min_followers=50000&category=gaming&sort=recent')).toEqual([world.users.alice.slug]);
  });
});

describe('GET /browse-categories', () => {
  it('lists active categories with cached item counts of discoverable items, marked as estimates', async () => {
    const res = await get('/browse-categories');
    expect(res.status).toBe(200);
    expect(res.body.count_is_estimate).toBe(true);
    expect(Date.parse(res.body.counts_computed_at)).toBeGreaterThan(Date.now() - 600_000);
    expect(res.body.items).toHaveLength(15);
    const counts = Object.fromEntries(res.body.items.map((c: any) => [c.code, c.item_count]));
    const actual = await service((tx) => tx`SELECT category_code, count(*)::int AS n FROM content_item WHERE id = ANY(${world.discoverable}::uuid[]) GROUP BY 1`);
    for (const { category_code, n } of actual) expect(counts[category_code], category_code).toBe(n);
    expect(counts.travel).toBe(0);
  });

  it('serves counts from the cache until they expire, then recounts once', async () => {
    await service((tx) => tx`UPDATE content_item SET category_code = 'travel' WHERE id = ${world.items.python!}`);
    const cached = (await get('/browse-categories')).body.items.find((c: any) => c.code === 'travel');
    expect(cached.item_count).toBe(0);
    await service((tx) => tx`UPDATE cache_store SET expires_at = now() - interval '1 second' WHERE key = 'discovery:category_counts'`);
    const [first, second] = await Promise.all([get('/browse-categories'), get('/browse-categories')]);
    expect(first.body.items.find((c: any) => c.code === 'travel').item_count).toBe(1);
    expect(second.body.counts_computed_at).toBe(first.body.counts_computed_at);
    await service((tx) => tx`UPDATE content_item SET category_code = 'education' WHERE id = ${world.items.python!}`);
    await service((tx) => tx`SELECT search.refresh_category_counts(600)`);
  });
});
