import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransactionSql } from 'postgres';
import { asService, asUser } from '../db/context.ts';
import { trackClick, visitorHash } from '../functions/discovery/clicks.ts';
import { claimsFor, createTestDatabase, type TestDatabase } from './db.ts';

let db: TestDatabase;
beforeAll(async () => { db = await createTestDatabase('content_discovery', { max: 30 }); });
afterAll(async () => { await db?.drop(); });

const service = <T>(work: (tx: TransactionSql) => Promise<T>) => asService(db.app, work);

async function creator(options: { isPublic?: boolean; followers?: number } = {}) {
  const userId = randomUUID();
  const accountId = randomUUID();
  await service(async (tx) => {
    await tx`INSERT INTO users (id, email, is_public) VALUES (${userId}, ${`${userId}@example.com`}, ${options.isPublic ?? true})`;
    await tx`INSERT INTO social_account (id, user_id, platform_id, platform_account_id, follower_count, status_id)
             SELECT ${accountId}, ${userId}, p.id, ${`acct-${accountId}`}, ${options.followers ?? 0}, s.id
             FROM platform p, account_status s WHERE p.slug = 'youtube' AND s.slug = 'active'`;
  });
  return { userId, accountId };
}

async function item(accountId: string, fields: { title?: string; views?: number; clicks?: number; ageHours?: number;
  visibility?: string; deleted?: boolean } = {}): Promise<string> {
  const id = randomUUID();
  await service((tx) => tx`
    INSERT INTO content_item (id, social_account_id, user_id, platform_id, content_type_id, platform_content_id, title,
                              views_count, total_clicks, published_at, visibility, deleted_at, category_code)
    SELECT ${id}, sa.id, sa.user_id, sa.platform_id, ct.id, ${id}, ${fields.title ?? 'A video'}, ${fields.views ?? 0},
           ${fields.clicks ?? 0}, now() - make_interval(hours => ${fields.ageHours ?? 1}), ${fields.visibility ?? 'public'},
           ${fields.deleted ? new Date() : null}, 'gaming'
    FROM social_account sa, content_type ct WHERE sa.id = ${accountId} AND ct.slug = 'long_video'`);
  return id;
}

const track = (contentId: string, visitor: string) =>
  service(async (tx) => (await tx`SELECT track_content_click(${contentId}, ${visitor}, NULL, 'https://google.com', 'Mozilla/5.0') AS counted`)[0]!.counted as boolean);
const clicks = (contentId: string) =>
  service(async (tx) => Number((await tx`SELECT total_clicks FROM content_item WHERE id = ${contentId}`)[0]!.total_clicks));

describe('track_content_click', () => {
  it('counts a visitor once per item per hour, each visitor separately', async () => {
    const { accountId } = await creator();
    const video = await item(accountId);
    expect(await track(video, 'visitor-aaaaaaaaaaaaaaaa')).toBe(true);
    expect(await track(video, 'visitor-aaaaaaaaaaaaaaaa')).toBe(false);
    expect(await track(video, 'visitor-bbbbbbbbbbbbbbbb')).toBe(true);
    expect(await clicks(video)).toBe(2);
  });

  it('counts once when the same visitor clicks 20 times at the same moment', async () => {
    const { accountId } = await creator();
    const video = await item(accountId);
    const results = await Promise.all(Array.from({ length: 20 }, () => track(video, 'visitor-cccccccccccccccc')));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await clicks(video)).toBe(1);
  });

  it('ignores clicks on private, deleted or non-public creators’ items, and malformed visitor hashes', async () => {
    const { accountId } = await creator();
    const hidden = await creator({ isPublic: false });
    for (const id of [await item(accountId, { visibility: 'private' }), await item(accountId, { deleted: true }), await item(hidden.accountId)]) {
      expect(await track(id, 'visitor-dddddddddddddddd')).toBe(false);
      expect(await clicks(id)).toBe(0);
    }
    const video = await item(accountId);
    await expect(track(video, "x'; DROP TABLE users; --")).rejects.toMatchObject({ code: '22023' });
  });
});

describe('track_content_click: per-visitor cap of new clicks per minute (011)', () => {
  const MAX_CLICKS_PER_MINUTE = 60;
  /** A race must not straddle a minute boundary (the cap is per calendar minute): wait for a fresh minute if close. */
  async function awayFromMinuteEnd() {
    const [row] = await service((tx) => tx`SELECT extract(second FROM clock_timestamp())::float8 AS s`);
    if (row!.s > 45) await new Promise((r) => setTimeout(r, (61 - row!.s) * 1000));
  }

  it('lets exactly the cap through when one visitor races clicks on more items than that, and answers the rest SV429', async () => {
    const { accountId } = await creator();
    const items = await Promise.all(Array.from({ length: MAX_CLICKS_PER_MINUTE + 15 }, () => item(accountId)));
    await awayFromMinuteEnd();
    const results = await Promise.allSettled(items.map((id) => track(id, 'visitor-racer-aaaaaaaaaa')));
    const counted = results.filter((r) => r.status === 'fulfilled' && r.value === true);
    const limited = results.filter((r) => r.status === 'rejected' && (r.reason as { code?: string }).code === 'SV429');
    expect({ counted: counted.length, limited: limited.length }).toEqual({ counted: MAX_CLICKS_PER_MINUTE, limited: 15 });
    const [totals] = await service((tx) => tx`
      SELECT (SELECT sum(total_clicks)::int FROM content_item WHERE id = ANY (${items}::uuid[])) AS item_clicks,
             (SELECT count(*)::int FROM content_click WHERE visitor_hash = 'visitor-racer-aaaaaaaaaa') AS click_rows,
             (SELECT sum(clicks)::int FROM search.click_rate WHERE visitor_hash = 'visitor-racer-aaaaaaaaaa') AS counter`);
    expect({ ...totals }).toEqual({ item_clicks: MAX_CLICKS_PER_MINUTE, click_rows: MAX_CLICKS_PER_MINUTE, counter: MAX_CLICKS_PER_MINUTE });
    // Another visitor is not held back, and repeats of a counted click are answered (false), not rate-limited.
    expect(await track(items[0]!, 'visitor-bystander-bbbbbb')).toBe(true);
    const countedItem = items[results.findIndex((r) => r.status === 'fulfilled' && r.value === true)]!;
    expect(await track(countedItem, 'visitor-racer-aaaaaaaaaa')).toBe(false);
  });

  it('is pruned by the daily cleanup once the minute is over', async () => {
    await service((tx) => tx`INSERT INTO search.click_rate (visitor_hash, minute, clicks)
                             VALUES ('visitor-old-cccccccccccc', date_trunc('minute', now()) - interval '2 minutes', 5)`);
    const [pruned] = await service((tx) => tx`SELECT search.prune_click_rate() AS n`);
    expect(pruned!.n).toBeGreaterThanOrEqual(1);
    expect((await service((tx) => tx`SELECT 1 FROM search.click_rate WHERE visitor_hash = 'visitor-old-cccccccccccc'`)).length).toBe(0);
  });
});

describe('trackClick with visitorHash: one IPv6 /64 is one visitor', () => {
  const secret = 'a-test-secret-of-at-least-32-characters';
  const click = (contentId: string, ip: string, userAgent: string) =>
    trackClick(db.app, { contentId, visitorHash: visitorHash(secret, ip), userAgent });

  it('dedupes addresses of one /64 together, whatever the user agent, and counts another /64 separately', async () => {
    const { accountId } = await creator();
    const video = await item(accountId);
    expect(await click(video, '2001:db8:1:2::1', 'A/1')).toEqual({ counted: true });
    expect(await click(video, '2001:db8:1:2:ffff:ffff:ffff:fffe', 'B/2')).toEqual({ counted: false });
    expect(await click(video, '2001:DB8:1:2:0:0:0:9', 'C/3')).toEqual({ counted: false });
    expect(await click(video, '2001:db8:1:3::1', 'A/1')).toEqual({ counted: true });
    expect(await click(video, '203.0.113.9', 'A/1')).toEqual({ counted: true });
    expect(await click(video, '::ffff:203.0.113.9', 'D/4')).toEqual({ counted: false });
    expect(await click(video, '203.0.113.10', 'A/1')).toEqual({ counted: true });
    expect(await clicks(video)).toBe(4);
  });
});

describe('calculate_trend_score and refresh_trending_content', () => {
  it('scores engagement decayed by age, never NULL', async () => {
    const [r] = await service((tx) => tx`
      SELECT calculate_trend_score(10, 1000, now() - interval '1 hour') AS fresh,
             calculate_trend_score(10, 1000, now() - interval '30 days') AS old,
             calculate_trend_score(100, 1000, now() - interval '1 hour') AS clicked,
             calculate_trend_score(NULL, NULL, NULL) AS empty`);
    expect(Number(r!.fresh)).toBeGreaterThan(Number(r!.old));
    expect(Number(r!.clicked)).toBeGreaterThan(Number(r!.fresh));
    expect(Number(r!.empty)).toBe(0);
  });

  it('ranks public items of public creators per period, and a second refresh replaces the first', async () => {
    const { accountId } = await creator();
    const hidden = await creator({ isPublic: false });
    const hot = await item(accountId, { views: 5000, clicks: 50, ageHours: 2 });
    const weekOld = await item(accountId, { views: 90000, ageHours: 24 * 4 });
    const ancient = await item(accountId, { views: 900000, ageHours: 24 * 400 });
    const privateItem = await item(accountId, { views: 10 ** 7, visibility: 'private' });
    const hiddenCreatorItem = await item(hidden.accountId, { views: 10 ** 7 });

    for (let run = 0; run < 2; run += 1) await service((tx) => tx`SELECT refresh_trending_content(100)`);
    const ranks = await service((tx) => tx`SELECT period, content_id, rank FROM trending_content ORDER BY period, rank`);
    const byPeriod = (period: string) => ranks.filter((r) => r.period === period).map((r) => r.content_id);
    expect(byPeriod('today')).toContain(hot);
    expect(byPeriod('today')).not.toContain(weekOld);
    expect(byPeriod('week')).toEqual(expect.arrayContaining([hot, weekOld]));
    expect(byPeriod('week')).not.toContain(ancient);
    expect(byPeriod('all_time')).toEqual(expect.arrayContaining([hot, weekOld, ancient]));
    for (const period of ['today', 'week', 'month', 'all_time']) {
      const periodRanks = ranks.filter((r) => r.period === period).map((r) => r.rank);
      expect(periodRanks).toEqual(periodRanks.map((_, i) => i + 1));
    }
    expect(ranks.map((r) => r.content_id)).not.toContain(privateItem);
    expect(ranks.map((r) => r.content_id)).not.toContain(hiddenCreatorItem);
  });

  it('survives concurrent refreshes (they serialise on an advisory lock)', async () => {
    const results = await Promise.all(Array.from({ length: 4 }, () => service((tx) => tx`SELECT refresh_trending_content(10) AS n`)));
    expect(new Set(results.map((r) => r[0]!.n)).size).toBe(1);
  });

  it('rejects a limit outside 1..1000', async () => {
    await expect(service((tx) => tx`SELECT refresh_trending_content(0)`)).rejects.toMatchObject({ code: '22023' });
  });
});

describe('creator follower totals', () => {
  it('follow account inserts, updates and soft deletes, and concurrent account syncs lose no change', async () => {
    const { userId, accountId } = await creator({ followers: 100 });
    const second = randomUUID();
    await service((tx) => tx`INSERT INTO social_account (id, user_id, platform_id, platform_account_id, follower_count, status_id)
                             SELECT ${second}, ${userId}, p.id, ${`ig-${second}`}, 50, s.id FROM platform p, account_status s
                             WHERE p.slug = 'instagram' AND s.slug = 'active'`);
    const total = async () => Number((await service((tx) => tx`SELECT total_followers FROM users WHERE id = ${userId}`))[0]!.total_followers);
    expect(await total()).toBe(150);
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => service((tx) => tx`UPDATE social_account SET follower_count = ${1000 + i} WHERE id = ${accountId}`)),
      ...Array.from({ length: 10 }, (_, i) => service((tx) => tx`UPDATE social_account SET follower_count = ${2000 + i} WHERE id = ${second}`)),
    ]);
    const [sum] = await service((tx) => tx`SELECT sum(follower_count)::bigint AS s FROM social_account WHERE user_id = ${userId}`);
    expect(await total()).toBe(Number(sum!.s));
    await service((tx) => tx`UPDATE social_account SET deleted_at = now() WHERE id = ${second}`);
    const [first] = await service((tx) => tx`SELECT follower_count FROM social_account WHERE id = ${accountId}`);
    expect(await total()).toBe(Number(first!.follower_count));
    await service((tx) => tx`UPDATE users SET total_followers = 0 WHERE id = ${userId}`);
    const [repaired] = await service((tx) => tx`SELECT update_total_followers(${userId}) AS t`);
    expect(Number(repaired!.t)).toBe(Number(first!.follower_count));
  });
});

describe('content items', () => {
  it('keep a numbered revision of the previous title/description on every edit, attributed to the editor', async () => {
    const { userId, accountId } = await creator();
    const video = await item(accountId, { title: 'First title' });
    await asUser(db.app, claimsFor(userId), (tx) => tx`UPDATE content_item SET title = 'Second title' WHERE id = ${video}`);
    await service((tx) => tx`UPDATE content_item SET title = 'Third title' WHERE id = ${video}`);
    await service((tx) => tx`UPDATE content_item SET views_count = 5 WHERE id = ${video}`);  // counters alone make no revision
    const revisions = await service((tx) => tx`SELECT revision_number, title, changed_by, change_source FROM content_revision
                                               WHERE content_item_id = ${video} ORDER BY revision_number`);
    expect(revisions.map((r) => ({ ...r }))).toEqual([
      { revision_number: 1, title: 'First title', changed_by: userId, change_source: 'user' },
      { revision_number: 2, title: 'Second title', changed_by: null, change_source: 'system' },
    ]);
  });

  it('block deleting an account with live content, but not one whose content is archived', async () => {
    const { accountId } = await creator();
    const video = await item(accountId);
    await expect(service((tx) => tx`DELETE FROM social_account WHERE id = ${accountId}`))
      .rejects.toThrow('Cannot delete social account with existing content');
    await service((tx) => tx`UPDATE content_item SET deleted_at = now() WHERE id = ${video}`);
    await service((tx) => tx`DELETE FROM content_item WHERE id = ${video}`);
    const deleted = await service((tx) => tx`DELETE FROM social_account WHERE id = ${accountId}`);
    expect(deleted.count).toBe(1);
  });

  it('find common and weighted words through the generated search vector', async () => {
    const { accountId } = await creator();
    const match = await item(accountId, { title: 'Ultimate Minecraft building tutorial' });
    const rows = await service((tx) => tx`SELECT id FROM content_item WHERE search_vector @@ websearch_to_tsquery('english', 'minecraft tutorials')`);
    expect(rows.map((r) => r.id)).toEqual([match]);
  });
});

describe('AI usage cost and SEO usage', () => {
  it('prices an AI call from the model’s per-1k prices when the worker omits the cost', async () => {
    const { userId } = await creator();
    const [usage] = await service((tx) => tx`
      INSERT INTO ai_usage (user_id, model_id, operation_type, prompt_tokens, completion_tokens)
      SELECT ${userId}, id, 'generate_tags', 2000, 500 FROM ai_model WHERE slug = 'gpt-4o'
      RETURNING cost_cents::float8 AS cents, total_tokens`);
    // 2000 × $0.0025/1k + 500 × $0.01/1k = $0.01 = 1 cent
    expect(usage).toEqual({ cents: 1, total_tokens: 2500 });
  });

  it('counts SEO submissions against the engine’s daily limit, atomically', async () => {
    const { userId } = await creator();
    await service((tx) => tx`UPDATE search_engine SET daily_quota = 3 WHERE slug = 'google'`);
    const results = await Promise.all(Array.from({ length: 8 }, () => service(async (tx) =>
      (await tx`SELECT record_seo_submission_usage(${userId}, (SELECT id FROM search_engine WHERE slug = 'google'), true) AS ok`)[0]!.ok)));
    expect(results.filter(Boolean)).toHaveLength(3);
    const [row] = await service((tx) => tx`SELECT submissions_count FROM seo_usage WHERE user_id = ${userId}`);
    expect(row!.submissions_count).toBe(3);
  });
});
