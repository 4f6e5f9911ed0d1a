import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransactionSql } from 'postgres';
import { asAnon, asService, asUser } from '../db/context.ts';
import { claimsFor, createTestDatabase, type TestDatabase } from './db.ts';

let db: TestDatabase;
beforeAll(async () => { db = await createTestDatabase('quota', { max: 60 }); });
afterAll(async () => { await db?.drop(); });

async function newUser(tier?: string, status = 'active'): Promise<string> {
  const id = randomUUID();
  await asService(db.app, async (tx) => {
    await tx`INSERT INTO users (id, email) VALUES (${id}, ${`${id}@example.com`})`;
    if (tier) {
      await tx`INSERT INTO subscription (user_id, tier_id, status_id)
               SELECT ${id}, t.id, s.id FROM subscription_tier t, subscription_status s WHERE t.slug = ${tier} AND s.slug = ${status}`;
    }
  });
  return id;
}

const service = <T>(work: (tx: TransactionSql) => Promise<T>) => asService(db.app, work);
const consume = (userId: string, type: string, amount = 1) =>
  service(async (tx) => (await tx`SELECT increment_quota(${userId}, ${type}, ${amount}) AS ok`)[0]!.ok as boolean);
const check = (userId: string, type: string, amount = 1) =>
  service(async (tx) => (await tx`SELECT check_quota(${userId}, ${type}, ${amount}) AS ok`)[0]!.ok as boolean | null);
const usage = (userId: string) =>
  service(async (tx) => (await tx`SELECT syncs_used, ai_analyses_used, seo_submissions_used FROM subscription WHERE user_id = ${userId}`)[0]);

describe('check_quota', () => {
  it('treats a user without a subscription as free tier (the original returned NULL)', async () => {
    const user = await newUser();
    expect(await check(user, 'sync')).toBe(true);
    expect(await check(user, 'sync', 30)).toBe(true);
    expect(await check(user, 'sync', 31)).toBe(false);
    expect(await check(user, 'seo_submission')).toBe(false);
  });

  it('applies the tier only while the subscription status is entitled', async () => {
    const premium = await newUser('premium');
    const canceledPremium = await newUser('premium', 'canceled');
    expect(await check(premium, 'seo_submission', 1000)).toBe(true);
    expect(await check(canceledPremium, 'seo_submission')).toBe(false);
    expect(await check(canceledPremium, 'ai_analysis', 25)).toBe(true);
    expect(await check(canceledPremium, 'ai_analysis', 26)).toBe(false);
  });

  it('rejects unknown quota types and non-positive amounts with 22023', async () => {
    const user = await newUser('free');
    await expect(check(user, 'bitcoin')).rejects.toMatchObject({ code: '22023' });
    await expect(check(user, 'sync', 0)).rejects.toMatchObject({ code: '22023' });
    await expect(consume(user, 'sync', -5)).rejects.toMatchObject({ code: '22023' });
  });
});

describe('increment_quota / decrement_quota', () => {
  it('consumes up to the limit and refuses past it (the original never checked the limit)', async () => {
    const user = await newUser('free');
    expect(await consume(user, 'sync', 29)).toBe(true);
    expect(await consume(user, 'sync', 2)).toBe(false);
    expect(await consume(user, 'sync')).toBe(true);
    expect(await consume(user, 'sync')).toBe(false);
    expect(await usage(user)).toEqual({ syncs_used: 30, ai_analyses_used: 0, seo_submissions_used: 0 });
  });

  it('gives a user without a subscription a free one on first use, and signing up creates none', async () => {
    const user = await newUser();
    expect(await usage(user)).toBeUndefined();
    expect(await consume(user, 'ai_analysis')).toBe(true);
    const [sub] = await service((tx) => tx`SELECT t.slug FROM subscription s JOIN subscription_tier t ON t.id = s.tier_id WHERE s.user_id = ${user}`);
    expect(sub!.slug).toBe('free');
  });

  it('refunds without going below zero', async () => {
    const user = await newUser('basic');
    await consume(user, 'seo_submission', 3);
    await service((tx) => tx`SELECT decrement_quota(${user}, 'seo_submission', 5)`);
    expect((await usage(user))!.seo_submissions_used).toBe(0);
  });

  it('lets exactly 25 of 200 concurrent consumptions through against a limit of 25', async () => {
    const user = await newUser();  // no subscription row: the first consumers also race to create it
    const results = await Promise.all(Array.from({ length: 200 }, () => consume(user, 'ai_analysis')));
    expect(results.filter(Boolean)).toHaveLength(25);
    expect((await usage(user))!.ai_analyses_used).toBe(25);
  });
});

describe('get_my_quota', () => {
  it('shows the caller their own quotas only', async () => {
    const user = await newUser('basic');
    await consume(user, 'sync', 7);
    const rows = await asUser(db.app, claimsFor(user), (tx) => tx`SELECT quota_type, used, quota_limit, remaining, tier_slug FROM get_my_quota() ORDER BY quota_type`);
    expect(rows.map((r) => ({ ...r }))).toEqual([
      { quota_type: 'ai_analysis', used: 0, quota_limit: 250, remaining: 250, tier_slug: 'basic' },
      { quota_type: 'seo_submission', used: 0, quota_limit: 100, remaining: 100, tier_slug: 'basic' },
      { quota_type: 'sync', used: 7, quota_limit: 300, remaining: 293, tier_slug: 'basic' },
    ]);
    await expect(asAnon(db.app, (tx) => tx`SELECT * FROM get_my_quota()`)).rejects.toMatchObject({ code: '42501' });
  });
});

describe('reset_expired_quotas (the hourly schedule)', () => {
  it('rolls every ended cycle forward to the one containing now, zeroes usage and archives the ended cycle once', async () => {
    const user = await newUser('basic');
    const current = await newUser('basic');
    await consume(user, 'sync', 12);
    await consume(current, 'sync', 4);
    // The user's cycle ended two and a half months ago (the schedule was down, or the user was idle).
    await service((tx) => tx`UPDATE subscription SET cycle_start_date = now() - interval '105 days', cycle_end_date = now() - interval '75 days'
                             WHERE user_id = ${user}`);
    const [result] = await service((tx) => tx`SELECT reset_expired_quotas() AS reset`);
    expect(result!.reset).toBeGreaterThanOrEqual(1);
    const [sub] = await service((tx) => tx`SELECT cycle_start_date <= now() AND cycle_end_date > now() AS current_cycle,
                                                  cycle_end_date - cycle_start_date BETWEEN interval '28 days' AND interval '31 days' AS month_long,
                                                  syncs_used FROM subscription WHERE user_id = ${user}`);
    expect(sub).toEqual({ current_cycle: true, month_long: true, syncs_used: 0 });
    const history = await service((tx) => tx`SELECT syncs_used, max_syncs FROM quota_usage_history WHERE user_id = ${user}`);
    expect(history.map((h) => ({ ...h }))).toEqual([{ syncs_used: 12, max_syncs: 300 }]);
    expect((await usage(current))!.syncs_used).toBe(4);

    await service((tx) => tx`SELECT reset_expired_quotas()`);
    expect(await service((tx) => tx`SELECT 1 FROM quota_usage_history WHERE user_id = ${user}`)).toHaveLength(1);
  });
});
