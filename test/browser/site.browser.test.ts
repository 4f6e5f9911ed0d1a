/**
 * The site's pages in a real browser: Debian's Chromium (/usr/bin/chromium, installed by .ci/run) driven headless by
 * playwright-core against the local stack, as a person or a crawler that runs a browser would load them.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService } from '../../db/context.ts';
import { startTestApi, type TestApi } from '../api.ts';
import { buildDiscoveryWorld, type DiscoveryWorld } from '../api/discovery-world.ts';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = resolve(import.meta.dirname, '../../.local/screenshots/site-content.png');
const TEST_TIMEOUT_MS = 30_000;
const HOSTILE_TITLE = '<script>alert(1)</script>';

let api: TestApi;
let world: DiscoveryWorld;
let browser: Browser;
let page: Page;
let hostileId: string;
const dialogs: string[] = [];

beforeAll(async () => {
  // Fails (never skips) without the browser: .ci/run installs it, and so must anyone who runs the suite.
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium), as .ci/run does`);
  api = await startTestApi('browser_site');
  world = await buildDiscoveryWorld(api.db.app, { extraCreators: 0 });
  hostileId = await asService(api.db.app, async (tx) => (await tx<{ id: string }[]>`
    INSERT INTO content_item (social_account_id, user_id, platform_id, content_type_id, platform_content_id, title, description, visibility)
    SELECT sa.id, sa.user_id, sa.platform_id, (SELECT id FROM content_type WHERE slug = 'post'), 'browser-hostile', ${HOSTILE_TITLE},
           '<img src=x onerror=alert(2)>', 'public'
    FROM social_account sa WHERE sa.user_id = ${world.users.bob.id} LIMIT 1
    RETURNING id`)[0]!.id);
  browser = await chromium.launch({
    executablePath: CHROMIUM, timeout: 15_000,
    // Every host but this machine's fails at once: the pages' external images never leave the machine.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run',
      '--disable-sync', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost'],
  });
  page = await browser.newPage({ viewport: { width: 1024, height: 768 } });
  page.setDefaultTimeout(10_000);
  page.on('dialog', (dialog) => { dialogs.push(dialog.message()); void dialog.dismiss(); });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await api?.stop();
});

const metaContent = (key: string) => page.locator(`meta[property="${key}"], meta[name="${key}"]`).getAttribute('content');
const jsonLd = async () => JSON.parse((await page.locator('script[type="application/ld+json"]').textContent())!);
const cardIds = () => page.locator('ul.cards li > a').evaluateAll((links) => links.map((a) => a.getAttribute('href')));

describe('the site in headless Chromium', () => {
  it('loads a creator page, reads its Open Graph tags and JSON-LD, and follows the "more" link', async () => {
    const site = process.env.PUBLIC_SITE_URL!;
    const response = await page.goto(`${api.url}/creator/${world.users.alice.slug}`, { waitUntil: 'domcontentloaded' });
    expect(response?.status()).toBe(200);
    expect(await page.title()).toBe('Alice Gamer | StreamVibe');
    expect(await metaContent('og:type')).toBe('profile');
    expect(await metaContent('og:url')).toBe(`${site}/creator/${world.users.alice.slug}`);
    expect(await page.locator('link[rel="canonical"]').getAttribute('href')).toBe(`${site}/creator/${world.users.alice.slug}`);
    const ld = await jsonLd();
    expect([ld['@type'], ld.mainEntity['@type'], ld.mainEntity.name]).toEqual(['ProfilePage', 'Person', 'Alice Gamer']);
    const firstPage = await cardIds();
    expect(firstPage.length).toBeGreaterThan(0);

    await Promise.all([page.waitForURL(/\?cursor=/), page.getByRole('link', { name: /More from Alice Gamer/ }).click()]);
    const secondPage = await cardIds();
    expect(secondPage.length).toBeGreaterThan(0);
    expect(secondPage.filter((id) => firstPage.includes(id))).toEqual([]);
    expect(await page.locator('meta[name="robots"]').getAttribute('content')).toBe('noindex, follow');
  }, TEST_TIMEOUT_MS);

  it('opens a content page from a card and takes a screenshot that is not blank', async () => {
    await page.goto(`${api.url}/creator/${world.users.alice.slug}`, { waitUntil: 'domcontentloaded' });
    await Promise.all([page.waitForURL(/\/content\//), page.locator('ul.cards li > a').first().click()]);
    expect(await page.locator('h1').textContent()).toMatch(/\S/);
    expect(['VideoObject', 'ImageObject', 'SocialMediaPosting']).toContain((await jsonLd())['@type']);
    expect(await metaContent('og:title')).toMatch(/\| StreamVibe$/);
    const shot = await page.screenshot({ fullPage: false });
    await mkdir(join(SCREENSHOT, '..'), { recursive: true });
    await writeFile(SCREENSHOT, shot);

    const blankPage = await browser.newPage({ viewport: { width: 1024, height: 768 } });
    const blank = await blankPage.screenshot();
    await blankPage.close();
    expect(shot.subarray(0, 8).toString('hex'), 'a PNG').toBe('89504e470d0a1a0a');
    expect(shot.equals(blank), 'the page differs from about:blank').toBe(false);
    // A blank PNG compresses to almost nothing; a page of text and colour blocks does not.
    expect(shot.length).toBeGreaterThan(blank.length * 3);
  }, TEST_TIMEOUT_MS);

  it('shows a <script> title as text, and no script on the page runs', async () => {
    const response = await page.goto(`${api.url}/content/${hostileId}`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    expect(await page.locator('h1').textContent()).toBe(HOSTILE_TITLE);
    expect(await page.title()).toBe(`${HOSTILE_TITLE} | StreamVibe`);
    expect(await page.locator('p.description').textContent()).toBe('<img src=x onerror=alert(2)>');
    expect(await page.locator('main img, main script').count()).toBe(0);
    expect((await jsonLd()).name).toBe(HOSTILE_TITLE);
    expect(dialogs).toEqual([]);
  }, TEST_TIMEOUT_MS);
});
