import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService } from '../../db/context.ts';
import { CREATOR_PAGE_ITEMS } from '../../functions/site/pages.ts';
import { startTestApi, type TestApi } from '../api.ts';
import { buildDiscoveryWorld, type DiscoveryWorld } from './discovery-world.ts';

let api: TestApi;
let world: DiscoveryWorld;
let site: string;
/** Items added for these tests: a post whose title is markup, and a YouTube video. */
let hostileId: string;
let youtubeId: string;
const HOSTILE_TITLE = '<script>alert(1)</script>';
const HOSTILE_DESCRIPTION = '"></p><img src=x onerror=alert(2)> & </script> \u2028 end';

beforeAll(async () => {
  api = await startTestApi('api_site_pages');
  world = await buildDiscoveryWorld(api.db.app, { extraCreators: 2 });
  site = process.env.PUBLIC_SITE_URL!;
  [hostileId, youtubeId] = await asService(api.db.app, async (tx) => {
    const add = async (title: string, description: string, type: string, url: string) => (await tx<{ id: string }[]>`
      INSERT INTO content_item (social_account_id, user_id, platform_id, content_type_id, platform_content_id, title, description, url,
                                visibility, published_at, category_code)
      SELECT sa.id, sa.user_id, sa.platform_id, (SELECT id FROM content_type WHERE slug = ${type}), ${`site-${type}`}, ${title},
             ${description}, ${url}, 'public', now() - interval '1 day', 'music'
      FROM social_account sa WHERE sa.user_id = ${world.users.bob.id} LIMIT 1
      RETURNING id`)[0]!.id;
    return [await add(HOSTILE_TITLE, HOSTILE_DESCRIPTION, 'post', 'https://watch.example.com/?q="><script>alert(3)</script>'),
      await add('A real YouTube video', 'Embedded', 'long_video', 'https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1')];
  });
});
afterAll(async () => { await api?.stop(); });

const get = (path: string) => api.request('GET', path);
const decode = (text: string) => text.replace(/&(lt|gt|quot|#39|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' })[e]!);
/** The content of `<meta property|name="key">`, unescaped, as a browser reads it. */
const meta = (html: string, key: string) =>
  [...html.matchAll(/<meta (?:property|name)="([^"]+)" content="([^"]*)">/g)].filter((m) => m[1] === key).map((m) => decode(m[2]!))[0];
const canonical = (html: string) => decode(html.match(/<link rel="canonical" href="([^"]*)">/)?.[1] ?? '');
const jsonLdOf = (html: string) => JSON.parse(html.match(/<script type="application\/ld\+json">([\s\S]*?)<\/script>/)![1]!);
const contentLinks = (html: string) => [...html.matchAll(/href="\/content\/([0-9a-f-]{36})"/g)].map((m) => m[1]!);
const moreLink = (html: string) => html.match(/<a class="more" rel="next" href="([^"]+)"/)?.[1];

describe('GET /creator/{slug}', () => {
  it('renders the profile with title, description, canonical URL, Open Graph, Twitter and a ProfilePage JSON-LD', async () => {
    const res = await get(`/creator/${world.users.alice.slug}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toMatch(/^public, max-age=60, s-maxage=300/);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    const html = res.text;
    const url = `${site}/creator/${world.users.alice.slug}`;
    expect(html).toMatch(/<title>Alice Gamer \| StreamVibe<\/title>/);
    expect(meta(html, 'description')).toBe('Speedruns and minecraft builds');
    expect(canonical(html)).toBe(url);
    expect([meta(html, 'og:title'), meta(html, 'og:type'), meta(html, 'og:url'), meta(html, 'og:image')])
      .toEqual(['Alice Gamer | StreamVibe', 'profile', url, `https://img.example.com/${world.users.alice.slug}.png`]);
    expect(meta(html, 'twitter:card')).toBe('summary');
    const ld = jsonLdOf(html);
    expect(ld).toMatchObject({ '@context': 'https://schema.org', '@type': 'ProfilePage', url,
      mainEntity: { '@type': 'Person', name: 'Alice Gamer', url } });
    expect(html).toContain('followers');
    expect(html).not.toContain('name="robots"');
    for (const secret of world.secrets) expect(html).not.toContain(secret);
  });

  it('lists the newest items and pages through all of them with the "more" link, each once, in order', async () => {
    const expected = (await asService(api.db.app, (tx) => tx<{ id: string }[]>`SELECT id FROM content_item
      WHERE user_id = ${world.users.alice.id} AND id = ANY(${world.discoverable}::uuid[]) ORDER BY published_at DESC, id DESC`)).map((r) => r.id);
    expect(expected.length).toBeGreaterThan(2 * CREATOR_PAGE_ITEMS);
    const seen: string[] = [];
    let path: string | undefined = `/creator/${world.users.alice.slug}`;
    let pages = 0;
    while (path) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      if (pages > 0) {
        expect(res.text, 'a "more" page is not indexed on its own').toContain('<meta name="robots" content="noindex, follow">');
        expect(canonical(res.text)).toBe(`${site}/creator/${world.users.alice.slug}`);
      }
      // Each card links its item once, from its thumbnail-and-title link.
      seen.push(...contentLinks(res.text));
      path = moreLink(res.text) ? decode(moreLink(res.text)!) : undefined;
      pages += 1;
    }
    expect(pages).toBe(Math.ceil(expected.length / CREATOR_PAGE_ITEMS));
    expect(seen).toEqual(expected);
  });

  it('answers 404 for unknown and private creators and 410 for a deleted one, as HTML pages that show nothing of them', async () => {
    for (const [slug, status] of [['nobody-here', 404], [world.users.carol.slug, 404], [world.users.dave.slug, 410]] as const) {
      const res = await get(`/creator/${slug}`);
      expect(res.status, slug).toBe(status);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.text).toContain('<meta name="robots" content="noindex">');
      expect(res.text).not.toMatch(/Carol|Dave|minecraft/i);
    }
    expect((await get('/creator/nobody-here')).headers.get('cache-control')).toBe('public, max-age=30, s-maxage=60');
  });

  it('refuses a malformed slug or cursor with a 400, and takes a percent-encoded path segment decoded', async () => {
    expect((await get('/creator/Not_A_Slug')).status).toBe(400);
    expect((await get(`/creator/${world.users.alice.slug}?cursor=bm9wZQ`)).status).toBe(400);
    const encoded = world.users.alice.slug.replace('-', '%2D');
    expect((await get(`/creator/${encoded}`)).status).toBe(200);
  });
});

describe('GET /content/{id}', () => {
  it('renders a video with its thumbnail, tags, related items, meta tags and a VideoObject JSON-LD', async () => {
    const res = await get(`/content/${world.items.minecraft}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toMatch(/s-maxage=300/);
    const html = res.text;
    const url = `${site}/content/${world.items.minecraft}`;
    expect(html).toMatch(/<title>Minecraft survival tutorial \| StreamVibe<\/title>/);
    expect(meta(html, 'description')).toBe('Build a base on day one');
    expect(canonical(html)).toBe(url);
    expect([meta(html, 'og:type'), meta(html, 'og:url'), meta(html, 'og:image'), meta(html, 'twitter:card')])
      .toEqual(['video.other', url, 'https://img.example.com/mc.jpg', 'summary_large_image']);
    expect(jsonLdOf(html)).toMatchObject({ '@type': 'VideoObject', name: 'Minecraft survival tutorial', url, duration: 'PT12M34S',
      author: { '@type': 'Person', name: 'Alice Gamer', url: `${site}/creator/${world.users.alice.slug}` } });
    expect(html).toContain('<img src="https://img.example.com/mc.jpg"');
    expect(html).not.toContain('<iframe');
    expect(html).toMatch(/<ul class="tags"><li>minecraft<\/li><li>survival<\/li><\/ul>/);
    const related = contentLinks(html.slice(html.indexOf('<h2>Related</h2>')));
    expect(related.length).toBeGreaterThan(0);
    expect(related).toContain(world.discoverable[3]);
    for (const hidden of world.hidden) expect(related).not.toContain(hidden);
  });

  it('embeds the YouTube player for a YouTube video, and describes images and posts as ImageObject and SocialMediaPosting', async () => {
    const video = await get(`/content/${youtubeId}`);
    expect(video.text).toContain('<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ"');
    expect(jsonLdOf((await get(`/content/${world.items.guitar}`)).text)['@type']).toBe('ImageObject');
    expect(jsonLdOf((await get(`/content/${hostileId}`)).text)['@type']).toBe('SocialMediaPosting');
  });

  it('shows a title and a description that are markup as text, everywhere on the page', async () => {
    const res = await get(`/content/${hostileId}`);
    expect(res.status).toBe(200);
    const html = res.text;
    expect(html).toContain('<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>');
    expect(html).toContain('&quot;&gt;&lt;/p&gt;&lt;img src=x onerror=alert(2)&gt; &amp; &lt;/script&gt;');
    expect(html).not.toMatch(/<script>alert|<img src=x|onerror=alert\(2\)>/);
    // The only script element is the JSON-LD, which holds the title with < escaped, and parses back to it.
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toContain('\\u003cscript\\u003ealert(1)\\u003c/script\\u003e');
    expect(jsonLdOf(html).name).toBe(HOSTILE_TITLE);
    expect(meta(html, 'og:title')).toBe(`${HOSTILE_TITLE} | StreamVibe`);
    expect(html, 'a URL stays inside its attribute').toContain('href="https://watch.example.com/?q=&quot;&gt;&lt;script&gt;alert(3)&lt;/script&gt;"');
    // The card of the same item on its creator's pages is escaped too.
    const first = (await get(`/creator/${world.users.bob.slug}`)).text;
    const second = (await get(decode(moreLink(first)!))).text;
    expect(first + second).toContain('<strong>&lt;script&gt;alert(1)&lt;/script&gt;</strong>');
  });

  it('answers 404 for unknown, private and unlisted items and items of a private creator; 410 for deleted ones', async () => {
    const [privateItem, unlisted, deletedItem, carolsItem, davesItem] = world.hidden as [string, string, string, string, string];
    const cases: [string, number][] = [['00000000-0000-4000-8000-000000000000', 404], [privateItem, 404], [unlisted, 404],
      [carolsItem, 404], [deletedItem, 410], [davesItem, 410]];
    for (const [id, status] of cases) {
      const res = await get(`/content/${id}`);
      expect(res.status, id).toBe(status);
      expect(res.text).not.toMatch(/minecraft|guitar|Carol|Dave/i);
    }
    expect((await get('/content/not-a-uuid')).status).toBe(400);
  });
});

describe('the sitemap and robots.txt', () => {
  it('list the page URLs the site serves', async () => {
    const sitemap = await get('/sitemap.xml');
    const locs = [...sitemap.text.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => decode(m[1]!));
    const creator = `${site}/creator/${world.users.alice.slug}`;
    const content = `${site}/content/${world.items.minecraft}`;
    expect(locs).toEqual(expect.arrayContaining([creator, content]));
    expect(locs).not.toContain(`${site}/creator/${world.users.dave.slug}`);
    for (const loc of [creator, content]) expect((await get(new URL(loc).pathname)).status, loc).toBe(200);
    expect((await get('/robots.txt')).text).toContain(`Sitemap: ${site}/sitemap.xml`);
  });
});
