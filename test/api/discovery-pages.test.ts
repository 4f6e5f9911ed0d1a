import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService } from '../../db/context.ts';
import { buildSitemap } from '../../functions/discovery/sitemap.ts';
import { LOCAL_SECRET_SETTINGS } from '../../local/stack.ts';
import { startTestApi, type TestApi } from '../api.ts';
import { buildDiscoveryWorld, type DiscoveryWorld } from './discovery-world.ts';

let api: TestApi;
let world: DiscoveryWorld;
let site: string;
beforeAll(async () => {
  api = await startTestApi('api_discovery_pages');
  world = await buildDiscoveryWorld(api.db.app, { extraCreators: 3 });
  site = process.env.PUBLIC_SITE_URL!;
});
afterAll(async () => { await api?.stop(); });

const service = <T>(work: Parameters<typeof asService<T>>[1]) => asService(api.db.app, work);
const get = (path: string) => api.request('GET', path);

describe('GET /get-content-detail', () => {
  it('returns the item with tags, media, type, category, platform, creator card and related items', async () => {
    const res = await get(`/get-content-detail?id=${world.items.minecraft}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toMatch(/^public, /);
    expect(res.body.item).toMatchObject({
      id: world.items.minecraft, title: 'Minecraft survival tutorial', description: 'Build a base on day one',
      category: { code: 'gaming', display_name: 'Gaming' },
      content_type: { slug: 'long_video', is_video: true },
      platform: { slug: 'youtube', display_name: 'YouTube' },
      tags: [{ tag: 'minecraft', tag_type: 'keyword' }, { tag: 'survival', tag_type: 'topic' }],
      media: [{ media_type: 'thumbnail', url: 'https://img.example.com/mc-large.jpg', width: 1280, height: 720, alt_text: 'A base' }],
      creator: { profile_slug: world.users.alice.slug, display_name: 'Alice Gamer', is_verified: true, total_followers: 100_000 },
      total_clicks: 1,
    });
    const related = res.body.related.map((i: any) => i.id);
    expect(related.length).toBe(8);
    expect(related[0]).toBe(world.discoverable[3]);  // shares the minecraft tag
    expect(related).not.toContain(world.items.minecraft);
    for (const hidden of world.hidden) expect(related).not.toContain(hidden);  // carol's item shares the tag too
    expect(res.body.related.slice(1).every((i: any) => i.category === 'gaming')).toBe(true);
  });

  it('takes the id in upper case too, as the document’s pattern says', async () => {
    const res = await get(`/get-content-detail?id=${world.items.minecraft!.toUpperCase()}`);
    expect([res.status, res.body.item.id]).toEqual([200, world.items.minecraft]);
  });

  it('answers 404 in the error format for missing, private, unlisted, deleted items and hidden creators’ items', async () => {
    for (const id of [...world.hidden, '00000000-0000-4000-8000-000000000000']) {
      const res = await get(`/get-content-detail?id=${id}`);
      expect(res.status, id).toBe(404);
      expect(res.body).toEqual({ error: { code: 'not_found', message: 'No such content' } });
    }
  });
});

describe('GET /get-creator-by-slug', () => {
  it('returns the profile, public social account fields and the newest 20 items, continuing in /browse-content', async () => {
    const res = await get(`/get-creator-by-slug?slug=${world.users.alice.slug}`);
    expect(res.status).toBe(200);
    expect(res.body.creator).toMatchObject({ display_name: 'Alice Gamer', profile_slug: world.users.alice.slug, is_verified: true,
      primary_category: 'gaming', total_followers: 100_000 });
    expect(res.body.creator.accounts.map((a: any) => a.platform)).toEqual(['youtube', 'tiktok']);
    expect(Object.keys(res.body.creator.accounts[0]).sort()).toEqual(['avatar_url', 'content_count', 'display_name', 'follower_count', 'handle',
      'is_primary', 'platform', 'platform_name', 'profile_url']);
    const expected = (await service((tx) => tx`SELECT id FROM content_item WHERE user_id = ${world.users.alice.id}
      AND id = ANY(${world.discoverable}::uuid[]) ORDER BY published_at DESC, id DESC`)).map((r) => r.id);
    expect(res.body.items.map((i: any) => i.id)).toEqual(expected.slice(0, 20));
    expect(res.body.page.has_more).toBe(true);
    const rest = await get(`/browse-content?creator_slug=${world.users.alice.slug}&limit=100&cursor=${res.body.page.next_cursor}`);
    expect(rest.body.items.map((i: any) => i.id)).toEqual(expected.slice(20));
  });

  it('shows a creator without items, and answers 404 for unknown, private and deleted creators', async () => {
    const quiet = await get(`/get-creator-by-slug?slug=${world.users.quiet.slug}`);
    expect(quiet.status).toBe(200);
    expect(quiet.body.items).toEqual([]);
    expect(quiet.body.page).toEqual({ limit: 20, has_more: false, next_cursor: null });
    for (const slug of [world.users.carol.slug, world.users.dave.slug, 'nobody-here']) {
      const res = await get(`/get-creator-by-slug?slug=${slug}`);
      expect(res.status, slug).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
  });
});

describe('GET /get-seo-metadata', () => {
  it('describes a video with a canonical URL on PUBLIC_SITE_URL, Open Graph, Twitter and a schema.org VideoObject', async () => {
    const res = await get(`/get-seo-metadata?type=content&id=${world.items.minecraft}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      title: 'Minecraft survival tutorial | StreamVibe', description: 'Build a base on day one',
      canonical_url: `${site}/content/${world.items.minecraft}`,
      open_graph: { type: 'video.other', url: `${site}/content/${world.items.minecraft}`, image: 'https://img.example.com/mc.jpg', site_name: 'StreamVibe' },
      twitter: { card: 'summary_large_image' },
      json_ld: { '@context': 'https://schema.org', '@type': 'VideoObject', name: 'Minecraft survival tutorial', duration: 'PT12M34S',
        thumbnailUrl: ['https://img.example.com/mc.jpg'], author: { '@type': 'Person', name: 'Alice Gamer', url: `${site}/creator/${world.users.alice.slug}` },
        interactionStatistic: { userInteractionCount: 5000 } },
    });
    expect(JSON.parse(res.body.json_ld_script)).toEqual(res.body.json_ld);
    const image = await get(`/get-seo-metadata?type=content&id=${world.items.guitar}`);
    expect(image.body.json_ld['@type']).toBe('ImageObject');
  });

  it('describes a creator as a ProfilePage about a Person with their profiles as sameAs', async () => {
    const res = await get(`/get-seo-metadata?type=creator&slug=${world.users.bob.slug}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      title: 'Bob Beats | StreamVibe', description: 'Lo-fi guitar covers', canonical_url: `${site}/creator/${world.users.bob.slug}`,
      open_graph: { type: 'profile' },
      json_ld: { '@type': 'ProfilePage', mainEntity: { '@type': 'Person', name: 'Bob Beats', alternateName: world.users.bob.slug,
        sameAs: [`https://${world.users.bob.slug}.example.com`, `https://youtube.example.com/${world.users.bob.slug}`] } },
    });
  });

  it('escapes markup: meta values are HTML-escaped, the body and json_ld_script carry no raw < > &', async () => {
    const title = '"><script>alert(1)</script> & </script><!--';
    await service((tx) => tx`UPDATE content_item SET title = ${title}, description = ${'line\u2028break <b>bold</b>'} WHERE id = ${world.items.python!}`);
    const res = await get(`/get-seo-metadata?type=content&id=${world.items.python}`);
    expect(res.status).toBe(200);
    expect(res.text).not.toMatch(/[<>]/);
    expect(res.body.title).toBe('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;/script&gt;&lt;!-- | StreamVibe');
    expect(res.body.open_graph.title).toBe(res.body.title);
    expect(res.body.description).toBe('line break &lt;b&gt;bold&lt;/b&gt;');
    expect(res.body.json_ld.name).toBe(title);
    expect(res.body.json_ld_script).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(res.body.json_ld_script).name).toBe(title);
  });

  it('answers 404 for hidden pages and 400 for a wrong combination of parameters', async () => {
    expect((await get(`/get-seo-metadata?type=content&id=${world.hidden[0]}`)).status).toBe(404);
    expect((await get(`/get-seo-metadata?type=creator&slug=${world.users.carol.slug}`)).status).toBe(404);
    for (const query of ['type=content', `type=content&slug=${world.users.bob.slug}`, `type=creator&id=${world.items.guitar}`, 'type=user&slug=bob']) {
      const res = await get(`/get-seo-metadata?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
  });
});

describe('GET /sitemap.xml and /robots.txt', () => {
  it('lists every discoverable content and creator page once, as XML, and nothing hidden', async () => {
    const res = await get('/sitemap.xml');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/xml/);
    expect(res.text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<urlset xmlns="http:\/\/www.sitemaps.org\/schemas\/sitemap\/0.9">/);
    const locs = [...res.text.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]);
    const creators = await service((tx) => tx`SELECT profile_slug FROM users WHERE is_public AND deleted_at IS NULL AND profile_slug IS NOT NULL`);
    const expected = [...creators.map((c) => `${site}/creator/${c.profile_slug}`), ...world.discoverable.map((id) => `${site}/content/${id}`)];
    expect(locs.sort()).toEqual(expected.sort());
    expect((res.text.match(/<lastmod>\d{4}-\d\d-\d\dT[\d:.]+Z<\/lastmod>/g) ?? []).length).toBe(locs.length);
  });

  it('splits a large site into uuid-range parts behind a sitemap index, each URL in exactly one part', async () => {
    await api.db.owner`ANALYZE users, content_item`;  // the part count comes from the planner's row estimates
    const smallParts = 10;  // URLs per part, instead of 25,000, so the test world needs several parts
    const index = await buildSitemap(api.db.app, site, undefined, smallParts);
    const parts = [...index.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]);
    expect(index).toContain('<sitemapindex');
    expect(parts.length).toBeGreaterThan(3);
    expect(parts[0]).toBe(`${site}/sitemap.xml?page=1`);
    const urls: string[] = [];
    for (let page = 1; page <= parts.length; page += 1) {
      urls.push(...[...(await buildSitemap(api.db.app, site, page, smallParts)).matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]!));
    }
    const single = [...(await get('/sitemap.xml')).text.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]);
    expect(urls.sort()).toEqual(single.sort());
    await expect(buildSitemap(api.db.app, site, parts.length + 1, smallParts)).rejects.toThrow(/part/);
    expect((await get('/sitemap.xml?page=2')).status).toBe(404);
    expect((await get('/sitemap.xml?page=0')).status).toBe(400);
  });

  it('robots.txt has exactly one group, for every crawler, with the private and API paths disallowed and the sitemap', async () => {
    const res = await get('/robots.txt');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const lines = res.text.split('\n').map((l) => l.trim()).filter(Boolean);
    expect(lines.filter((l) => /^user-agent\s*:/i.test(l))).toEqual(['User-agent: *']);
    expect(lines[0]).toBe('User-agent: *');
    for (const path of ['/api/', '/auth', '/me', '/notifications', '/track-click', '/stripe-webhook', '/search-', '/get-']) {
      expect(lines, path).toContain(`Disallow: ${path}`);
    }
    expect(lines.filter((l) => /^allow\s*:/i.test(l))).toEqual([]);
    expect(lines.at(-1)).toBe(`Sitemap: ${site}/sitemap.xml`);
  });
});

describe('POST /track-click', () => {
  const click = (contentId: string, headers: Record<string, string> = {}, body: unknown = { content_id: contentId }) =>
    api.request('POST', '/track-click', { body, headers: { 'user-agent': 'ClickTest/1.0', ...headers } });
  const total = async (id: string) => Number((await service((tx) => tx`SELECT total_clicks FROM content_item WHERE id = ${id}`))[0]!.total_clicks);

  it('counts a visitor once per item per hour, with a visitor hash computed on the server from the source address only', async () => {
    const id = world.items.guitar!;
    const before = await total(id);
    expect((await click(id)).body).toEqual({ counted: true });
    expect((await click(id)).body).toEqual({ counted: false });
    // Another user agent from the same address is the same visitor.
    expect((await click(id, { 'user-agent': 'OtherBrowser/2.0' })).body).toEqual({ counted: false });
    // Headers a client could forge change nothing: API Gateway's source IP is what counts.
    expect((await click(id, { 'x-forwarded-for': '203.0.113.9' })).body).toEqual({ counted: false });
    expect(await total(id)).toBe(before + 1);
    const hashes = (await service((tx) => tx`SELECT visitor_hash, user_agent FROM content_click WHERE content_id = ${id} AND user_agent = 'ClickTest/1.0'`));
    // The gateway sees 127.0.0.1 (or ::ffff:127.0.0.1, the same IPv4 visitor): the HMAC of the address, no user agent in it.
    const expected = createHmac('sha256', LOCAL_SECRET_SETTINGS.CLICK_HASH_SECRET).update('127.0.0.1').digest('base64url');
    expect(hashes.map((h) => h.visitor_hash)).toEqual([expected]);
  });

  it('behind CloudFront, counts the viewer CloudFront names, and believes that name only beside the edge\'s secret', async () => {
    const [ipv4Item, ipv6Item, forgedItem] = [world.discoverable[12]!, world.discoverable[13]!, world.discoverable[14]!];
    const edge = (viewer: string, secret = LOCAL_SECRET_SETTINGS.EDGE_ORIGIN_SECRET) => ({ 'cloudfront-viewer-address': viewer, 'x-streamvibe-edge': secret });
    const hashOf = (address: string) => createHmac('sha256', LOCAL_SECRET_SETTINGS.CLICK_HASH_SECRET).update(address).digest('base64url');
    const visitors = async (id: string) => (await service((tx) => tx<{ visitor_hash: string }[]>`
      SELECT visitor_hash FROM content_click WHERE content_id = ${id} ORDER BY clicked_at`)).map((r) => r.visitor_hash);

    // Two viewers behind one edge address are two visitors; each counted once.
    expect((await click(ipv4Item, edge('198.51.100.10:46532'))).body).toEqual({ counted: true });
    expect((await click(ipv4Item, edge('198.51.100.11:40000'))).body).toEqual({ counted: true });
    expect((await click(ipv4Item, edge('198.51.100.10:51000'))).body).toEqual({ counted: false });
    expect(await visitors(ipv4Item)).toEqual([hashOf('198.51.100.10'), hashOf('198.51.100.11')]);
    // An IPv6 viewer (unbracketed, the port after the last colon) is its /64.
    expect((await click(ipv6Item, edge('2001:db8:0:7::1:443'))).body).toEqual({ counted: true });
    expect(await visitors(ipv6Item)).toEqual([hashOf('2001:db8:0:7::/64')]);
    // Without the secret, or with another value, the header is a client's word: the gateway's source address counts.
    expect((await click(forgedItem, { 'cloudfront-viewer-address': '203.0.113.50:1234' })).body).toEqual({ counted: true });
    expect((await click(forgedItem, edge('203.0.113.51:1234', 'not-the-edge-secret'))).body).toEqual({ counted: false });
    expect((await click(forgedItem, edge('203.0.113.52:1234', `${LOCAL_SECRET_SETTINGS.EDGE_ORIGIN_SECRET}x`))).body).toEqual({ counted: false });
    expect(await visitors(forgedItem)).toEqual([hashOf('127.0.0.1')]);
  });

  it('counts 100 clicks on one item from one address with 100 different user agents once', async () => {
    const id = world.discoverable[11]!;
    const before = await total(id);
    const results = [];
    for (let i = 0; i < 100; i++) results.push(await click(id, { 'user-agent': `Rotating/${i} (bot; like Mozilla)` }));
    expect(results.map((r) => r.status).every((s) => s === 200)).toBe(true);
    expect(results.filter((r) => r.body.counted === true)).toHaveLength(1);
    expect(await total(id)).toBe(before + 1);
  });

  it('counts each of 10 simultaneous identical clicks once', async () => {
    const id = world.discoverable[10]!;
    const before = await total(id);
    const results = await Promise.all(Array.from({ length: 10 }, () => click(id, { 'user-agent': 'Burst/1.0' })));
    expect(results.filter((r) => r.body.counted === true)).toHaveLength(1);
    expect(await total(id)).toBe(before + 1);
  });

  it('does not count hidden or unknown items, and accepts only { content_id }', async () => {
    for (const id of [...world.hidden, '00000000-0000-4000-8000-000000000000']) expect((await click(id)).body).toEqual({ counted: false });
    for (const body of [{}, { content_id: 'not-a-uuid' }, { content_id: world.items.guitar, visitor_hash: 'aaaaaaaaaaaaaaaaaaaa' },
      { content_id: world.items.guitar, total_clicks: 1000 }]) {
      const res = await click(world.items.guitar!, {}, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect((await api.request('POST', '/track-click', { rawBody: '{"content_id":' })).status).toBe(400);
    expect((await click(world.items.guitar!)).headers.get('cache-control')).toBe('private, no-store');
  });

  // Last in this file: it uses up this address's clicks for the minute.
  it('answers 429 rate_limited once the address has added 60 clicks this minute, and counts nothing more', async () => {
    const visitor = createHmac('sha256', LOCAL_SECRET_SETTINGS.CLICK_HASH_SECRET).update('127.0.0.1').digest('base64url');
    const [now] = await service((tx) => tx`SELECT extract(second FROM clock_timestamp())::float8 AS s`);
    if (now!.s > 50) await new Promise((r) => setTimeout(r, (61 - now!.s) * 1000)); // the cap is per calendar minute
    await service((tx) => tx`INSERT INTO search.click_rate (visitor_hash, minute, clicks) VALUES (${visitor}, date_trunc('minute', now()), 60)
                             ON CONFLICT (visitor_hash, minute) DO UPDATE SET clicks = 60`);
    const id = world.discoverable[12]!;
    const before = await total(id);
    const res = await click(id, { 'user-agent': 'Fresh/1.0' });
    expect(res.status).toBe(429);
    expect(res.body).toEqual({ error: { code: 'rate_limited', message: 'Too many clicks from this address: at most 60 a minute' } });
    expect(await total(id)).toBe(before);
  });
});
