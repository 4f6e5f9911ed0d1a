import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startTestApi, waitFor, type ApiResponse, type TestApi } from '../api.ts';
import { contentUrl, seoCreator, siteOf, TEST_INDEXNOW_KEY } from './seo-world.ts';

vi.hoisted(() => { process.env.INDEXNOW_KEY ??= 'streamvibe-test-indexnow-key'; });

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi('api_seo_submissions');
  // The site's key file, as the site serves it (the IndexNow sandbox reads it over HTTP otherwise).
  api.stack.seo.indexnow.fetchKeyFile = async () => new Response(TEST_INDEXNOW_KEY);
});
afterAll(async () => { await api?.stop(); });
beforeEach(async () => {
  api.stack.seo.indexnow.postsPerMinutePerHost = 60;
  await api.db.owner`UPDATE search_engine SET daily_quota = CASE slug WHEN 'google' THEN 200 ELSE 10000 END`;
});

const submit = (token: string, body: Record<string, unknown>) => api.request('POST', '/submit-to-seo', { token, body });
const statusCounts = (statuses: number[]) => statuses.reduce<Record<number, number>>((n, s) => ({ ...n, [s]: (n[s] ?? 0) + 1 }), {});
const seoUsed = async (userId: string) => (await api.db.owner`SELECT seo_submissions_used FROM subscription WHERE user_id = ${userId}`)[0]?.seo_submissions_used as number;

describe('POST /submit-to-seo: only the caller’s own public pages', () => {
  it('takes an item by id or by URL, and the creator page by URL; runs the job to IndexNow', async () => {
    const creator = await seoCreator(api, { items: 2 });
    const byId = await submit(creator.token, { content_item_id: creator.itemIds[0], search_engine: 'indexnow' });
    expect(byId.status, byId.text).toBe(202);
    expect(byId.body).toMatchObject({ url: contentUrl(creator.itemIds[0]!), search_engine: 'indexnow', created: true, status: 'pending' });
    const byUrl = await submit(creator.token, { url: contentUrl(creator.itemIds[1]!), search_engine: 'indexnow' });
    expect(byUrl.status).toBe(202);
    const page = await submit(creator.token, { url: `${siteOf()}/creator/${creator.slug}`, search_engine: 'indexnow' });
    expect(page.status, page.text).toBe(202);

    await waitFor(async () => (await api.db.owner`SELECT count(*)::int AS n FROM seo_submission WHERE user_id = ${creator.userId} AND status = 'submitted'`)[0]!.n === 3);
    const host = new URL(siteOf()).host;
    expect(api.stack.seo.indexnow.received(host)).toEqual(expect.arrayContaining([contentUrl(creator.itemIds[0]!), `${siteOf()}/creator/${creator.slug}`]));
    expect(await seoUsed(creator.userId)).toBe(3);
  });

  it('refuses another creator’s item, a private or deleted one, other URLs, and engines without a connection', async () => {
    const creator = await seoCreator(api, { items: 3 });
    const other = await seoCreator(api, { items: 1 });
    await api.db.owner`UPDATE content_item SET visibility = 'private' WHERE id = ${creator.itemIds[1]!}`;
    await api.db.owner`UPDATE content_item SET deleted_at = now() WHERE id = ${creator.itemIds[2]!}`;

    for (const body of [
      { content_item_id: other.itemIds[0], search_engine: 'indexnow' },
      { url: contentUrl(other.itemIds[0]!), search_engine: 'indexnow' },
      { url: `${siteOf()}/creator/${other.slug}`, search_engine: 'indexnow' },
      { content_item_id: creator.itemIds[1], search_engine: 'indexnow' },
      { content_item_id: creator.itemIds[2], search_engine: 'indexnow' },
    ]) {
      const res = await submit(creator.token, body);
      expect(res.status, JSON.stringify(body)).toBe(404);
      expect(res.body.error.message).toMatch(/Not one of your public pages/);
    }
    const elsewhere = await submit(creator.token, { url: `https://evil.example.com/content/${creator.itemIds[0]}`, search_engine: 'indexnow' });
    expect(elsewhere.status).toBe(400);
    const both = await submit(creator.token, { url: contentUrl(creator.itemIds[0]!), content_item_id: creator.itemIds[0], search_engine: 'indexnow' });
    expect(both.status).toBe(400);
    const google = await submit(creator.token, { content_item_id: creator.itemIds[0], search_engine: 'google' });
    expect(google.status).toBe(409);
    expect(google.body.error.message).toMatch(/No active google connection covers .*POST \/seo-connections/);
    expect(await seoUsed(creator.userId)).toBe(0);
  });

  it('a free plan has no SEO submissions: 402 with an upgrade message, nothing taken', async () => {
    const free = await seoCreator(api, { tier: 'free', items: 1 });
    const res = await submit(free.token, { content_item_id: free.itemIds[0], search_engine: 'indexnow' });
    expect(res.status).toBe(402);
    expect(res.body.error).toMatchObject({ code: 'upgrade_required', details: { quota: 'seo_submission', tier: 'free', limit: 0 } });
    expect(res.body.error.message).toMatch(/upgrade your plan/);
    expect(await api.db.owner`SELECT * FROM seo_submission WHERE user_id = ${free.userId}`).toHaveLength(0);
    expect((await api.db.owner`SELECT coalesce(sum(submissions_count), 0)::int AS n FROM seo_usage WHERE user_id = ${free.userId}`)[0]!.n).toBe(0);
  });
});

describe('POST /submit-to-seo under concurrency: the limits hold in the database', () => {
  it('the month’s quota: 20 concurrent submissions against 5 left → exactly 5 accepted', async () => {
    const creator = await seoCreator(api, { items: 20, seoMonthly: 5 });
    const results = await Promise.all(creator.itemIds.map((id) => submit(creator.token, { content_item_id: id, search_engine: 'indexnow' })));
    expect(statusCounts(results.map((r) => r.status))).toEqual({ 202: 5, 429: 15 });
    expect(results.find((r) => r.status === 429)!.body.error.message).toMatch(/5 SEO submissions this month are used; they reset on/);
    expect(await seoUsed(creator.userId)).toBe(5);
    expect(await api.db.owner`SELECT id FROM seo_submission WHERE user_id = ${creator.userId}`).toHaveLength(5);
    const [usage] = await api.db.owner`SELECT submissions_count FROM seo_usage WHERE user_id = ${creator.userId}`;
    expect(usage!.submissions_count).toBe(5); // the refused ones gave their daily use back
  });

  it('the engine’s daily limit (seo_usage): 20 concurrent submissions against a limit of 5 → exactly 5 accepted, the rest 429 until tomorrow', async () => {
    await api.db.owner`UPDATE search_engine SET daily_quota = 5 WHERE slug = 'indexnow'`;
    const creator = await seoCreator(api, { items: 20 });
    const results = await Promise.all(creator.itemIds.map((id) => submit(creator.token, { content_item_id: id, search_engine: 'indexnow' })));
    expect(statusCounts(results.map((r) => r.status))).toEqual({ 202: 5, 429: 15 });
    const refused = results.find((r) => r.status === 429)!.body.error;
    expect(refused.details).toMatchObject({ quota: 'seo_daily', search_engine: 'indexnow', limit: 5, used: 5 });
    expect(refused.details.resets_at).toBe(`${new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)}T00:00:00.000Z`);
    expect(await seoUsed(creator.userId)).toBe(5); // the month's quota is not spent by refused requests
  });

  it('one open submission per URL and engine: 20 concurrent requests for one URL → one submission, one unit used', async () => {
    // IndexNow answers 429 for this host, so the submission stays open (rate_limited) while the requests race and after.
    api.stack.seo.indexnow.postsPerMinutePerHost = 0;
    const creator = await seoCreator(api, { items: 1 });
    const results = await Promise.all(Array.from({ length: 20 }, () => submit(creator.token, { content_item_id: creator.itemIds[0], search_engine: 'indexnow' })));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(202));
    expect(results.filter((r) => r.body.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.body.submission_id)).size).toBe(1);
    expect(await seoUsed(creator.userId)).toBe(1);
    const [row] = await waitFor(async () => {
      const rows = await api.db.owner`SELECT status, error_message FROM seo_submission WHERE user_id = ${creator.userId}`;
      return rows[0]?.status === 'rate_limited' && rows;
    });
    expect(row!.error_message).toMatch(/rate limiting us \(429\).*sent again after/);
    const again = await submit(creator.token, { content_item_id: creator.itemIds[0], search_engine: 'indexnow' });
    expect(again.body).toMatchObject({ created: false, submission_id: results[0]!.body.submission_id });
  });
});

describe('GET /seo-submissions: status per URL and engine, newest first, keyset-paged', () => {
  it('pages through the caller’s submissions only, filtered by engine and status', async () => {
    const creator = await seoCreator(api, { items: 5 });
    const other = await seoCreator(api, { items: 1 });
    for (const id of creator.itemIds) expect((await submit(creator.token, { content_item_id: id, search_engine: 'indexnow' })).status).toBe(202);
    expect((await submit(other.token, { content_item_id: other.itemIds[0], search_engine: 'indexnow' })).status).toBe(202);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: ApiResponse = await api.request('GET', `/seo-submissions?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: creator.token });
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((s: { url: string }) => s.url));
      cursor = res.body.page.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...creator.itemIds].reverse().map((id) => contentUrl(id)));
    const google = await api.request('GET', '/seo-submissions?search_engine=google', { token: creator.token });
    expect(google.body.items).toEqual([]);
    const bad = await api.request('GET', '/seo-submissions?cursor=abc', { token: creator.token });
    expect(bad.status).toBe(400);
  });
});
