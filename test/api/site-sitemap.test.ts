import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService } from '../../db/context.ts';
import { MAX_URLS_PER_SITEMAP } from '../../functions/discovery/sitemap.ts';
import { LOCAL_INDEXNOW_KEY } from '../../local/stack.ts';
import { startTestApi, type TestApi } from '../api.ts';
import { buildDiscoveryWorld, type DiscoveryWorld } from './discovery-world.ts';

let api: TestApi;
let world: DiscoveryWorld;
let site: string;
beforeAll(async () => {
  api = await startTestApi('api_site_sitemap');
  world = await buildDiscoveryWorld(api.db.app, { extraCreators: 2 });
  site = process.env.PUBLIC_SITE_URL!;
});
afterAll(async () => { await api?.stop(); });

const get = (path: string) => api.request('GET', path);
const locsOf = (xml: string) => [...xml.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
const canonicalOf = (html: string) => html.match(/<link rel="canonical" href="([^"]*)">/)?.[1]?.replace(/&amp;/g, '&');

/** Every page URL the sitemap lists: its one urlset, or every part of its index. */
async function sitemapUrls(): Promise<{ urls: string[]; parts: number; largestPart: number }> {
  const first = await get('/sitemap.xml');
  expect(first.status).toBe(200);
  if (!first.text.includes('<sitemapindex')) return { urls: locsOf(first.text), parts: 1, largestPart: locsOf(first.text).length };
  const urls: string[] = [];
  let largestPart = 0;
  const parts = locsOf(first.text);
  for (const part of parts) {
    const res = await get(new URL(part).pathname + new URL(part).search);
    expect(res.status, part).toBe(200);
    expect(res.text, part).toContain('<urlset');
    const locs = locsOf(res.text);
    largestPart = Math.max(largestPart, locs.length);
    urls.push(...locs);
  }
  return { urls, parts: parts.length, largestPart };
}

describe('the sitemap and the pages it lists', () => {
  it('lists exactly the canonical URLs the site renders: each answers 200 with itself as the canonical link', async () => {
    const { urls } = await sitemapUrls();
    const creators = await asService(api.db.app, (tx) => tx<{ profile_slug: string }[]>`
      SELECT profile_slug FROM users WHERE is_public AND deleted_at IS NULL AND profile_slug IS NOT NULL`);
    expect(urls.sort()).toEqual([...creators.map((c) => `${site}/creator/${c.profile_slug}`),
      ...world.discoverable.map((id) => `${site}/content/${id}`)].sort());
    for (const url of urls) {
      const res = await get(new URL(url).pathname);
      expect(res.status, url).toBe(200);
      expect(canonicalOf(res.text), url).toBe(url);
    }
  });

  it('public → listed and 200; private, unlisted, a private creator and their items → absent and 404; deleted → absent and 410', async () => {
    const [privateItem, unlisted, deletedItem, carolsItem, davesItem] = world.hidden as [string, string, string, string, string];
    const { carol, dave, alice } = world.users;
    const cases: [string, 'listed' | 404 | 410][] = [
      [`/creator/${alice.slug}`, 'listed'], [`/content/${world.items.minecraft}`, 'listed'],
      [`/content/${privateItem}`, 404], [`/content/${unlisted}`, 404], [`/creator/${carol.slug}`, 404], [`/content/${carolsItem}`, 404],
      [`/content/${deletedItem}`, 410], [`/creator/${dave.slug}`, 410], [`/content/${davesItem}`, 410],
    ];
    const listed = new Set((await sitemapUrls()).urls);
    for (const [path, expected] of cases) {
      expect(listed.has(`${site}${path}`), path).toBe(expected === 'listed');
      expect((await get(path)).status, path).toBe(expected === 'listed' ? 200 : expected);
    }
  });

  it('robots.txt points crawlers at the sitemap on the site', async () => {
    const robots = await get('/robots.txt');
    expect(robots.text.split('\n')).toContain(`Sitemap: ${site}/sitemap.xml`);
  });
});

describe('GET /<INDEXNOW_KEY>.txt', () => {
  it('answers the stage’s key as text/plain, cacheable, for IndexNow engines to verify submissions', async () => {
    const res = await get(`/${LOCAL_INDEXNOW_KEY}.txt`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('cache-control')).toMatch(/^public, .*s-maxage=86400/);
    expect(res.text).toBe(LOCAL_INDEXNOW_KEY);
  });

  it('is a 404 for any other file name at the root, while the fixed routes there keep answering', async () => {
    for (const path of ['/0123456789abcdef.txt', `/${LOCAL_INDEXNOW_KEY.toUpperCase()}.txt`, `/${LOCAL_INDEXNOW_KEY}`,
      `/${LOCAL_INDEXNOW_KEY}.txt.bak`, '/favicon.ico']) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.body, path).toEqual({ error: { code: 'not_found', message: 'No such file' } });
    }
    // The site's pages declare an empty icon, so browsers do not ask for /favicon.ico (that 404) on every first visit.
    for (const path of [`/creator/${world.users.alice.slug}`, '/creator/nobody-here']) {
      expect((await get(path)).text, path).toContain('<link rel="icon" href="data:,">');
    }
    expect((await get('/robots.txt')).text).toMatch(/^User-agent: \*/);
    expect((await get('/me')).status).toBe(401);
  });
});

describe('a site past 50,000 URLs', () => {
  it('is a sitemap index whose parts each stay within the limit and together list every page once, straight after a bulk insert', async () => {
    const bulk = MAX_URLS_PER_SITEMAP + 1;
    // The planner's statistics describe the small world, and still do after the insert (no ANALYZE in between), as
    // they would right after a big sync or import.
    await api.db.owner`ANALYZE users, content_item`;
    await asService(api.db.app, async (tx) => {
      // A few seconds on a quiet machine; a busy one must not hit the request transactions' statement timeout.
      await tx`SET LOCAL statement_timeout = '120s'`;
      await tx`
      INSERT INTO content_item (social_account_id, user_id, platform_id, content_type_id, platform_content_id, title, visibility,
                                published_at, category_code)
      SELECT sa.id, sa.user_id, sa.platform_id, (SELECT id FROM content_type WHERE slug = 'long_video'), 'bulk-' || g, 'Bulk item ' || g,
             'public', now() - g * interval '1 second', 'gaming'
      FROM (SELECT * FROM social_account WHERE user_id = ${world.users.quiet.id} LIMIT 1) sa, generate_series(1, ${bulk}::int) g`;
    });

    const { urls, parts, largestPart } = await sitemapUrls();
    const [{ count }] = await asService(api.db.app, (tx) => tx<[{ count: number }]>`
      SELECT (SELECT count(*) FROM users WHERE is_public AND deleted_at IS NULL AND profile_slug IS NOT NULL)
           + (SELECT count(*) FROM content_item c JOIN users u ON u.id = c.user_id
              WHERE c.visibility = 'public' AND c.deleted_at IS NULL AND u.is_public AND u.deleted_at IS NULL) AS count`);
    expect(Number(count)).toBeGreaterThan(MAX_URLS_PER_SITEMAP);
    expect(parts).toBeGreaterThan(1);
    expect(largestPart).toBeLessThanOrEqual(MAX_URLS_PER_SITEMAP);
    expect(new Set(urls).size).toBe(urls.length);
    expect(urls.length).toBe(Number(count));
  }, 120_000);
});
