import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startTestApi, waitFor, type TestApi } from '../api.ts';
import { contentUrl, seoCreator, siteOf, TEST_INDEXNOW_KEY } from './seo-world.ts';

vi.hoisted(() => { process.env.INDEXNOW_KEY ??= 'streamvibe-test-indexnow-key'; });

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi('api_seo_auto_submit');
  api.stack.seo.indexnow.fetchKeyFile = async () => new Response(TEST_INDEXNOW_KEY);
});
afterAll(async () => { await api?.stop(); });
beforeEach(() => api.stack.seo.reset());

type Creator = Awaited<ReturnType<typeof seoCreator>>;

async function autoSubmitter(options: Parameters<typeof seoCreator>[1]) {
  const creator = await seoCreator(api, options);
  const res = await api.request('PUT', '/seo-settings', { token: creator.token, body: { auto_submit: true } });
  expect(res.body).toEqual({ auto_submit: true });
  expect((await api.request('GET', '/seo-settings', { token: creator.token })).body).toEqual({ auto_submit: true });
  return creator;
}

/** `count` new public items on the creator's account, in pages of 500 rows (one statement each), as a sync writes them. */
async function publish(creator: Creator, count: number, prefix = 'sync') {
  for (let start = 0; start < count; start += 500) {
    await api.db.owner`
      INSERT INTO content_item (social_account_id, user_id, platform_id, content_type_id, platform_content_id, title, category_code)
      SELECT ${creator.socialAccountId}, ${creator.userId}, ${creator.platformId}, (SELECT id FROM content_type WHERE slug = 'long_video'),
             ${prefix} || '-' || i, 'Synced ' || i, 'gaming'
      FROM generate_series(${start}::int, ${Math.min(start + 500, count) - 1}::int) i`;
  }
}

const pending = async (userId: string) => api.db.owner`SELECT content_item_id, change FROM seo.pending_url WHERE user_id = ${userId} ORDER BY queued_at`;
/** The quiet period passes (30 s) without waiting for it. */
const quietNow = (userId: string) => api.db.owner`UPDATE seo.pending_url SET changed_at = now() - interval '1 minute' WHERE user_id = ${userId}`;
const drain = () => api.stack.scheduler.run('seo-auto-submit');
const settledCount = (userId: string) => async () =>
  (await api.db.owner`SELECT count(*)::int AS n FROM seo_submission WHERE user_id = ${userId} AND status NOT IN ('pending', 'rate_limited')`)[0]!.n as number;

describe('auto-submit: item changes queue their URL; a quiet queue drains in as few engine requests as the APIs allow', () => {
  it('5,000 items published by one sync (and edited again within the window) → one IndexNow request', async () => {
    const creator = await autoSubmitter({ items: 0, seoMonthly: 10_000 });
    await publish(creator, 5_000);
    await api.db.owner`UPDATE content_item SET title = title || ' (edited)' WHERE user_id = ${creator.userId} AND platform_content_id LIKE 'sync-1%'`;
    await api.db.owner`UPDATE content_item SET views_count = views_count + 1 WHERE user_id = ${creator.userId}`;
    expect(await pending(creator.userId)).toHaveLength(5_000);

    await drain(); // not quiet yet: nothing leaves
    expect(await pending(creator.userId)).toHaveLength(5_000);
    await quietNow(creator.userId);
    await drain();

    expect(await pending(creator.userId)).toHaveLength(0);
    const jobs = await api.db.owner`SELECT DISTINCT job_id FROM seo_submission WHERE user_id = ${creator.userId}`;
    expect(jobs).toHaveLength(1);
    await waitFor(async () => (await settledCount(creator.userId)()) === 5_000, 60_000);
    const posts = api.stack.seo.calls({ host: 'api.indexnow.org', method: 'POST' });
    expect(posts).toHaveLength(1);
    expect(api.stack.seo.indexnow.received(new URL(siteOf()).host)).toHaveLength(5_000);
    const [quota] = await api.db.owner`SELECT seo_submissions_used FROM subscription WHERE user_id = ${creator.userId}`;
    expect(quota!.seo_submissions_used).toBe(5_000);
  });

  it('deleting or hiding an item sends URL_DELETED (Google too, through the creator’s connection); counters change nothing', async () => {
    const creator = await autoSubmitter({ items: 0 });
    const site = `${siteOf()}/`;
    const key = api.stack.seo.google.serviceAccount({ project: 'auto-submit' });
    api.stack.seo.google.own(key.client_email, site);
    expect((await api.request('POST', '/seo-connections', { token: creator.token,
      body: { search_engine: 'google', site_url: site, service_account_key: JSON.stringify(key) } })).status).toBe(201);
    await publish(creator, 4, 'page');
    await quietNow(creator.userId);
    await drain();
    await waitFor(async () => (await settledCount(creator.userId)()) === 8);
    const items = await api.db.owner`SELECT id FROM content_item WHERE user_id = ${creator.userId} ORDER BY platform_content_id`;
    const [kept, deleted, hidden, edited] = items.map((row) => row.id as string);

    await api.db.owner`UPDATE content_item SET views_count = 1000, likes_count = 5, last_synced_at = now() WHERE user_id = ${creator.userId}`;
    expect(await pending(creator.userId)).toHaveLength(0);
    await api.request('DELETE', `/my-content?content_id=${deleted}`, { token: creator.token, outsideApi: true });
    await api.db.owner`UPDATE content_item SET deleted_at = coalesce(deleted_at, now()) WHERE id = ${deleted!}`;
    await api.db.owner`UPDATE content_item SET visibility = 'private' WHERE id = ${hidden!}`;
    await api.db.owner`UPDATE content_item SET title = 'A better title' WHERE id = ${edited!}`;
    expect((await pending(creator.userId)).map((p) => [p.content_item_id, p.change]).sort()).toEqual(
      [[deleted, 'deleted'], [hidden, 'deleted'], [edited, 'updated']].sort());
    await quietNow(creator.userId);
    await drain();
    await waitFor(async () => (await settledCount(creator.userId)()) === 14);

    const google = api.stack.seo.google.notifications;
    expect(google.get(contentUrl(deleted!))?.latestRemove?.type).toBe('URL_DELETED');
    expect(google.get(contentUrl(hidden!))?.latestRemove?.type).toBe('URL_DELETED');
    expect(google.get(contentUrl(edited!))?.latestRemove).toBeUndefined();
    expect(google.get(contentUrl(kept!))?.latestRemove).toBeUndefined();
    const types = await api.db.owner`
      SELECT s.submitted_url, e.slug, s.submission_type, s.source FROM seo_submission s JOIN search_engine e ON e.id = s.search_engine_id
      WHERE s.user_id = ${creator.userId} AND s.submission_type = 'URL_DELETED' ORDER BY 1, 2`;
    expect(types.map((t) => [t.slug, t.source])).toEqual([['google', 'auto'], ['indexnow', 'auto'], ['google', 'auto'], ['indexnow', 'auto']]);
  });

  it('takes what the month’s quota leaves, tells the creator about the rest once, and queues nothing while the setting is off', async () => {
    const creator = await autoSubmitter({ items: 0, seoMonthly: 3 });
    await publish(creator, 5);
    await quietNow(creator.userId);
    await drain();
    expect(await api.db.owner`SELECT id FROM seo_submission WHERE user_id = ${creator.userId}`).toHaveLength(3);
    const notes = await api.db.owner`SELECT title, data FROM notification WHERE user_id = ${creator.userId} AND dedupe_key LIKE 'seo_auto_skipped:%'`;
    expect(notes).toEqual([{ title: 'Some pages were not submitted to search engines', data: { skipped: 2 } }]);

    expect((await api.request('PUT', '/seo-settings', { token: creator.token, body: { auto_submit: false } })).body).toEqual({ auto_submit: false });
    await publish(creator, 5, 'later');
    expect(await pending(creator.userId)).toHaveLength(0);
  });
});
