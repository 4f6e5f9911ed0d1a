import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransactionSql } from 'postgres';
import { asService } from '../db/context.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

// 015: public.refresh_trending_keywords() aggregates trending_keyword per (category, platform), per category and
// overall, from tags and title words of the last week's discoverable items (engagement-weighted, decayed by age) and
// from tags accepted from AI suggestions.

let db: TestDatabase;
const service = <T>(work: (tx: TransactionSql) => Promise<T>) => asService(db.app, work);

interface Row { keyword: string; category_code: string | null; platform: string | null; trend_score: number; growth_rate: number | null;
  search_volume: number; source: string }
const rows = () => service((tx) => tx<Row[]>`
  SELECT k.keyword, k.category_code, p.slug AS platform, k.trend_score::float8 AS trend_score, k.growth_rate::float8 AS growth_rate,
         k.search_volume::int AS search_volume, k.source
  FROM trending_keyword k LEFT JOIN platform p ON p.id = k.platform_id
  ORDER BY k.category_code NULLS FIRST, p.slug NULLS FIRST, k.trend_score DESC, k.keyword`);
const refresh = (top = 50) => service(async (tx) => (await tx`SELECT public.refresh_trending_keywords(${top}) AS n`)[0]!.n as number);
const scope = (all: Row[], category: string | null, platform: string | null) =>
  all.filter((r) => r.category_code === category && r.platform === platform);
const find = (all: Row[], keyword: string, category: string | null, platform: string | null) =>
  scope(all, category, platform).find((r) => r.keyword === keyword);
/** An item's weight as 015 defines it. */
const weight = (hoursAgo: number, views: number, likes = 0, clicks = 0) =>
  (1 + Math.log(1 + views + 5 * likes + 10 * clicks)) * Math.exp(-hoursAgo / 72);

async function creator(isPublic: boolean): Promise<Record<string, string>> {
  const userId = randomUUID();
  return service(async (tx) => {
    await tx`INSERT INTO users (id, email, is_public) VALUES (${userId}, ${`${userId}@example.com`}, ${isPublic})`;
    const accounts = await tx<{ slug: string; id: string }[]>`
      INSERT INTO social_account (user_id, platform_id, platform_account_id, status_id)
      SELECT ${userId}, p.id, 'acct-' || p.slug || '-' || ${userId}, s.id FROM platform p, account_status s
      WHERE p.slug IN ('youtube', 'tiktok') AND s.slug = 'active'
      RETURNING platform_account_id AS slug, id`;
    return Object.fromEntries(accounts.map((a) => [a.slug.split('-')[1]!, a.id]));
  });
}

interface ItemSpec { account: string; title: string; hoursAgo: number; category: string | null; views?: number; likes?: number; clicks?: number;
  visibility?: string; tags?: (string | { tag: string; source: string; hoursAgo: number })[] }
async function item(spec: ItemSpec) {
  await service(async (tx) => {
    const [row] = await tx<{ id: string }[]>`
      INSERT INTO content_item (social_account_id, user_id, platform_id, content_type_id, platform_content_id, title, published_at,
                                visibility, category_code, views_count, likes_count, total_clicks)
      SELECT sa.id, sa.user_id, sa.platform_id, ct.id, ${randomUUID()}, ${spec.title}, now() - make_interval(hours => ${spec.hoursAgo}),
             ${spec.visibility ?? 'public'}, ${spec.category}, ${spec.views ?? 0}, ${spec.likes ?? 0}, ${spec.clicks ?? 0}
      FROM social_account sa, content_type ct WHERE sa.id = ${spec.account} AND ct.slug = 'long_video'
      RETURNING id`;
    for (const tag of spec.tags ?? []) {
      const { tag: text, source, hoursAgo } = typeof tag === 'string' ? { tag, source: 'user', hoursAgo: 0 } : tag;
      await tx`INSERT INTO content_tag (content_id, tag, source, created_at)
               VALUES (${row!.id}, ${text}, ${source}, now() - make_interval(hours => ${hoursAgo}))`;
    }
  });
}

let before: Row[];
let first: Row[];
beforeAll(async () => {
  db = await createTestDatabase('trending_keywords');
  const alice = await creator(true);
  const hidden = await creator(false);
  // gaming: two YouTube speedruns (one fresh, one four days old) and a TikTok clip
  await item({ account: alice.youtube!, title: 'Elden Ring speedrun world record', hoursAgo: 2, category: 'gaming', views: 1000, likes: 50,
    tags: ['speedrun', 'elden ring'] });
  await item({ account: alice.youtube!, title: 'Speedrun practice session', hoursAgo: 96, category: 'gaming', views: 1000, likes: 50,
    tags: ['speedrun', 'practice'] });
  await item({ account: alice.tiktok!, title: 'Boss fight clips', hoursAgo: 5, category: 'gaming', views: 200, clicks: 3, tags: ['boss fight'] });
  // food: same engagement, different ages (decay); an accepted AI tag on an item older than the window
  await item({ account: alice.youtube!, title: 'Quick kimchi', hoursAgo: 1, category: 'food', views: 500, tags: ['fresh'] });
  await item({ account: alice.youtube!, title: 'Slow ramen', hoursAgo: 120, category: 'food', views: 500, tags: ['stale'] });
  await item({ account: alice.youtube!, title: 'Pantry tour', hoursAgo: 24 * 30, category: 'food', views: 10,
    tags: [{ tag: 'pantry staples', source: 'ai_generated', hoursAgo: 1 }] });
  // not counted: older than a week, private, a hidden creator's, published in the future
  await item({ account: alice.youtube!, title: 'Ancient history', hoursAgo: 24 * 8, category: 'food', views: 99999, tags: ['ancient'] });
  await item({ account: alice.youtube!, title: 'Secret recipe', hoursAgo: 1, category: 'food', views: 99999, visibility: 'private', tags: ['secret'] });
  await item({ account: hidden.youtube!, title: 'Hidden gem', hoursAgo: 1, category: 'food', views: 99999, tags: ['hidden'] });
  await item({ account: alice.youtube!, title: 'Scheduled premiere', hoursAgo: -5, category: 'food', views: 0, tags: ['premiere'] });
  // uncategorised: only in the overall scope
  await item({ account: alice.youtube!, title: 'Random vlog', hoursAgo: 3, category: null, views: 10, tags: ['vlog'] });

  await db.owner`INSERT INTO trending_keyword (keyword, category_code, trend_score, source, captured_at, expires_at) VALUES
    ('speedrun', 'gaming', 2.00, 'internal', now() - interval '1 hour', now() + interval '23 hours'),
    ('gone', 'gaming', 50, 'internal', now() - interval '1 hour', now() + interval '23 hours'),
    ('expired-feed', 'gaming', 80, 'external', now() - interval '3 days', now() - interval '1 hour'),
    ('live-feed', 'gaming', 70, 'external', now(), now() + interval '3 days')`;
  before = await rows();
  expect(await refresh()).toBeGreaterThan(0);
  first = await rows();
});
afterAll(async () => { await db?.drop(); });

describe('refresh_trending_keywords', () => {
  it('ranks a category-and-platform scope by engagement-weighted, age-decayed counts', () => {
    const youtube = scope(first, 'gaming', 'youtube');
    expect(youtube[0]!.keyword).toBe('speedrun');
    const speedrun = find(first, 'speedrun', 'gaming', 'youtube')!;
    // Tag of both items (full weight), and a title word of both (half weight): the tag counts, once per item.
    expect(speedrun.trend_score).toBeCloseTo(weight(2, 1000, 50) + weight(96, 1000, 50), 1);
    expect(speedrun.search_volume).toBe(2);
    expect(find(first, 'elden ring', 'gaming', 'youtube')!.trend_score).toBeCloseTo(weight(2, 1000, 50), 1);
    // Title words count half: "world" is only in a title.
    expect(find(first, 'world', 'gaming', 'youtube')!.trend_score).toBeCloseTo(weight(2, 1000, 50) / 2, 1);
    expect(youtube.map((r) => r.keyword)).not.toContain('boss fight');
  });

  it('decays with age: the same engagement a few days older counts for less', () => {
    const fresh = find(first, 'fresh', 'food', 'youtube')!;
    const stale = find(first, 'stale', 'food', 'youtube')!;
    expect(fresh.trend_score).toBeCloseTo(weight(1, 500), 1);
    expect(stale.trend_score).toBeCloseTo(weight(120, 500), 1);
    expect(fresh.trend_score / stale.trend_score).toBeCloseTo(Math.exp(119 / 72), 1);
  });

  it('writes per-platform rows, per-category rows (platform NULL) and overall rows; uncategorised items only overall', () => {
    expect(scope(first, 'gaming', 'tiktok').map((r) => r.keyword)).toEqual(['boss fight', 'boss', 'clips', 'fight']);
    const gaming = scope(first, 'gaming', null).map((r) => r.keyword);
    expect(gaming).toEqual(expect.arrayContaining(['speedrun', 'elden ring', 'boss fight', 'live-feed']));
    expect(find(first, 'speedrun', 'gaming', null)!.trend_score).toBe(find(first, 'speedrun', 'gaming', 'youtube')!.trend_score);
    expect(scope(first, null, null).map((r) => r.keyword)).toEqual(expect.arrayContaining(['speedrun', 'fresh', 'boss fight', 'vlog']));
    expect(first.filter((r) => r.keyword === 'vlog').map((r) => [r.category_code, r.platform])).toEqual([[null, null]]);
  });

  it('counts tags accepted from AI suggestions in the last week, whatever the item’s age', () => {
    expect(find(first, 'pantry staples', 'food', 'youtube')!.trend_score).toBeCloseTo(Math.exp(-1 / 72), 1);
    expect(find(first, 'pantry', 'food', 'youtube')).toBeUndefined();   // the item's own title is older than the window
  });

  it('ignores old, private, hidden creators’, future and stop-word content', () => {
    const keywords = new Set(first.map((r) => r.keyword));
    for (const absent of ['ancient', 'history', 'secret', 'hidden', 'gem', 'premiere', 'scheduled']) expect(keywords).not.toContain(absent);
  });

  it('records growth against the previous score, removes stale and expired rows, and keeps other sources’ live rows', () => {
    expect(before.map((r) => r.keyword)).toContain('gone');
    const speedrun = find(first, 'speedrun', 'gaming', null)!;
    expect(speedrun.growth_rate).toBeCloseTo((speedrun.trend_score - 2) / 2, 3);
    expect(find(first, 'elden ring', 'gaming', null)!.growth_rate).toBeNull();
    const keywords = first.map((r) => r.keyword);
    expect(keywords).not.toContain('gone');           // internal, not recomputed
    expect(keywords).not.toContain('expired-feed');   // expired
    expect(find(first, 'live-feed', 'gaming', null)!.source).toBe('external');
  });

  it('is idempotent: a re-run gives the same rows, scores and ranking (growth ~0)', async () => {
    await refresh();
    const again = await rows();
    expect(again.map((r) => [r.keyword, r.category_code, r.platform])).toEqual(first.map((r) => [r.keyword, r.category_code, r.platform]));
    again.forEach((row, i) => expect(row.trend_score).toBeCloseTo(first[i]!.trend_score, 1));
    for (const row of again.filter((r) => r.source === 'internal')) expect(Math.abs(row.growth_rate!)).toBeLessThan(0.01);
  });

  it('keeps only the top N of each scope, and refuses an unbounded N', async () => {
    await refresh(2);
    const bounded = await rows();
    const internal = bounded.filter((r) => r.source === 'internal');
    const scopes = new Map<string, number>();
    for (const r of internal) scopes.set(`${r.category_code}/${r.platform}`, (scopes.get(`${r.category_code}/${r.platform}`) ?? 0) + 1);
    expect(Math.max(...scopes.values())).toBe(2);
    expect(scope(internal, 'gaming', 'youtube').map((r) => r.keyword)).toEqual(['speedrun', 'elden ring']);
    await expect(refresh(0)).rejects.toMatchObject({ code: '22023' });
    await expect(refresh(501)).rejects.toMatchObject({ code: '22023' });
  });
});
