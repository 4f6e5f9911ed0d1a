import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService } from '../../db/context.ts';
import { startTestApi, type ApiResponse, type TestApi } from '../api.ts';
import { buildDiscoveryWorld, type DiscoveryWorld } from './discovery-world.ts';

let api: TestApi;
let world: DiscoveryWorld;
beforeAll(async () => {
  api = await startTestApi('api_discovery_safety');
  world = await buildDiscoveryWorld(api.db.app, { extraCreators: 3 });
});
afterAll(async () => { await api?.stop(); });

const service = <T>(work: Parameters<typeof asService<T>>[1]) => asService(api.db.app, work);
const get = (path: string) => api.request('GET', path);
const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

describe('privacy of every discovery response', () => {
  it('never contains an email, Stripe id, visitor hash, vault secret name, platform user id, sync cursor or platform data', async () => {
    const { alice, bob, quiet } = world.users;
    const paths = [
      '/browse-content?limit=100', '/browse-content?sort=popular&limit=100', '/browse-content?sort=trending&period=all_time&limit=100',
      `/browse-content?creator_slug=${alice.slug}&limit=100`, '/browse-creators?limit=100', '/browse-creators?sort=recent&limit=100',
      '/browse-creators?sort=popular&limit=100', '/browse-categories', '/search-content?q=minecraft', '/search-content?q=tutorial&sort=recent',
      '/search-content?q=minecarft', '/search-creators?q=alice', '/search-creators?q=videos', '/get-trending?period=all_time&limit=100',
      ...world.discoverable.slice(0, 6).map((id) => `/get-content-detail?id=${id}`),
      `/get-creator-by-slug?slug=${alice.slug}`, `/get-creator-by-slug?slug=${bob.slug}`, `/get-creator-by-slug?slug=${quiet.slug}`,
      `/get-seo-metadata?type=content&id=${world.items.minecraft}`, `/get-seo-metadata?type=creator&slug=${alice.slug}`,
      '/sitemap.xml', '/robots.txt',
    ];
    const responses = await Promise.all(paths.map(get));
    const click = await api.request('POST', '/track-click', { body: { content_id: world.items.guitar } });
    const all: [string, ApiResponse][] = [...paths.map((p, i) => [p, responses[i]!] as [string, ApiResponse]), ['/track-click', click]];
    expect(world.secrets.length).toBeGreaterThan(30);
    for (const [path, res] of all) {
      expect(res.status, path).toBe(200);
      for (const secret of world.secrets) expect(res.text.includes(secret), `${path} leaks ${secret}`).toBe(false);
      expect(res.text, path).not.toMatch(/"(email|stripe_customer_id|visitor_hash|vault_secret_name|platform_user_id|sync_cursor|platform_data|onboarded_at|last_active_at)"/);
      expect(res.text, path).not.toMatch(/@private\.example|cus_secret_|visitor-hash-secret|streamvibe\/test\/oauth/);
    }
  });
});

describe('bad input is a 400 in the error format, never a 5xx', () => {
  // Case lists are built when the file is collected, before the world exists: any well-formed id will do.
  const SOME_ID = '0b9f4b5e-5f7a-4c1e-9d1a-3c2b1a000001';
  const garbageCursors = [
    'not a cursor!', 'x'.repeat(600), b64('not json'), b64([1, 2, 3, 4, 5]), b64({ a: 1 }), b64(['recent', '2026-02-30T00:00:00.000000Z', SOME_ID]),
    b64(['recent', '0000-01-01T00:00:00Z', SOME_ID]), b64(['recent', "2026-01-01'; DROP TABLE users; --", SOME_ID]),
    b64(['recent', '2026-01-01T00:00:00.000000Z', 'not-a-uuid']), b64(['popular', '1e400', SOME_ID]),
    b64(['popular', '2026-01-01T00:00:00.000000Z', SOME_ID]),
  ];
  const injection = "gaming'; DROP TABLE content_item; --";
  const cases: Record<string, string[]> = {
    '/browse-content': ['limit=1000', 'limit=0', 'limit=-5', 'limit=abc', 'limit=1.5', 'limit=1&limit=2', 'offset=-1', 'offset=10001',
      'offset=abc', 'sort=random', 'period=year&sort=trending', `category=${encodeURIComponent(injection)}`, 'category=GAMING',
      `platform=${encodeURIComponent("' OR 1=1 --")}`, 'content_type=a%00b', `creator_slug=${encodeURIComponent("a'b")}`,
      `cursor=${b64(['recent', '2026-01-01T00:00:00.000000Z', SOME_ID])}&offset=20`,
      ...garbageCursors.map((c) => `cursor=${encodeURIComponent(c)}`)],
    '/search-content': ['', 'q=', 'q=%20%20%20', 'q=a%00b', `q=${'a'.repeat(10_240)}`, `q=${'b'.repeat(201)}`, 'q=x&limit=101', 'q=x&offset=-1',
      'q=x&sort=random', `q=x&cursor=${b64(['recent', '2026-01-01T00:00:00.000000Z', SOME_ID])}`,
      ...garbageCursors.map((c) => `q=x&cursor=${encodeURIComponent(c)}`)],
    '/browse-creators': ['limit=1000', 'offset=-1', 'sort=name', 'verified_only=yes', 'min_followers=-1', 'min_followers=1e20',
      `category=${encodeURIComponent(injection)}`, ...garbageCursors.map((c) => `cursor=${encodeURIComponent(c)}`)],
    '/search-creators': ['', `q=${'c'.repeat(10_240)}`, 'q=x&limit=1000', 'q=x&min_followers=abc', `q=x&cursor=${b64(['creators:search', 'abc', '1', SOME_ID])}`],
    '/get-trending': ['period=year', 'limit=1000', 'offset=-1', `cursor=${b64(['trending:today', '1.5'])}`, `cursor=${b64(['trending:today', '99999999999999999999'])}`],
    '/get-content-detail': ['', 'id=123', `id=${encodeURIComponent("' OR 1=1 --")}`, `id=${SOME_ID}x`, `id=${'f'.repeat(5000)}`],
    '/get-creator-by-slug': ['', 'slug=Alice', `slug=${encodeURIComponent("alice' OR '1'='1")}`, `slug=${'a'.repeat(200)}`],
    '/get-seo-metadata': ['', 'type=content&id=nope', 'type=creator&slug=..%2F..%2Fetc'],
    '/sitemap.xml': ['page=abc', 'page=-1', 'page=1e9'],
  };

  for (const [path, queries] of Object.entries(cases)) {
    it(`${path} rejects ${queries.length} malformed, oversized or hostile queries`, async () => {
      const responses = await Promise.all(queries.map((q) => get(`${path}?${q}`)));
      responses.forEach((res, i) => {
        const label = `${path}?${queries[i]!.slice(0, 80)}`;
        expect(res.status, label).toBe(400);
        expect(res.body.error, label).toEqual(expect.objectContaining({ code: expect.stringMatching(/^(validation_failed|bad_request)$/),
          message: expect.any(String) }));
        expect(Object.keys(res.body), label).toEqual(['error']);
      });
    });
  }

  it('treats hostile search text as text: valid queries answer 200, and the tables are intact', async () => {
    const before = await service((tx) => tx`SELECT count(*)::int AS n FROM content_item`);
    for (const q of ["'; DROP TABLE content_item; --", '") OR 1=1 --', '!!! & | : * ( ) <->', '\\x00 %00', '"unterminated', '-', 'or or or',
      '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 😀', 'a:*', "minecraft' UNION SELECT email FROM users --"]) {
      for (const path of ['/search-content', '/search-creators']) {
        const res = await get(`${path}?q=${encodeURIComponent(q)}`);
        expect(res.status, `${path} ${q}`).toBe(200);
        expect(res.text).not.toMatch(/@private\.example/);
      }
    }
    expect(await service((tx) => tx`SELECT count(*)::int AS n FROM content_item`)).toEqual(before);
  });

  it('answers a tampered but well-formed cursor from another sort with 400, and a foreign route with 404', async () => {
    const recent = (await get('/browse-content?limit=2')).body.page.next_cursor;
    expect((await get(`/browse-content?sort=popular&cursor=${recent}`)).status).toBe(400);
    expect((await get(`/search-content?q=highlights&cursor=${recent}`)).status).toBe(400);
    expect((await get(`/browse-creators?cursor=${recent}`)).status).toBe(400);
    expect((await api.request('POST', '/browse-content', { outsideApi: true })).status).toBe(404);
  });
});
