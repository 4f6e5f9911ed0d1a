import { randomUUID } from 'node:crypto';
import type { TransactionSql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService, asUser } from '../db/context.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

let db: TestDatabase;
beforeAll(async () => { db = await createTestDatabase('admin_db', { max: 12 }); });
afterAll(async () => { await db?.drop(); });

const service = <T>(work: (tx: TransactionSql) => Promise<T>) => asService(db.app, work);
async function newUser(): Promise<string> {
  const [user] = await service((tx) => tx`INSERT INTO users (email) VALUES (${`${randomUUID()}@example.com`}) RETURNING id`);
  return user!.id;
}
const notificationsOf = (userId: string) => service((tx) => tx`SELECT type, title, dedupe_key, data FROM notification WHERE user_id = ${userId} ORDER BY created_at, id`);
const errorOf = (work: Promise<unknown>) => work.then(() => undefined, (e: { code?: string; message: string }) => e);

describe('audit_log is append-only (022)', () => {
  it('refuses UPDATE, DELETE and TRUNCATE to the service (no privilege) and to the owner (trigger), and lets the service insert', async () => {
    const userId = await newUser();
    const [row] = await service((tx) => tx`INSERT INTO audit_log (user_id, action, entity_type, entity_id) VALUES (${userId}, 'test', 'user', ${userId}) RETURNING id`);
    for (const statement of [`UPDATE audit_log SET action = 'forged' WHERE id = ${row!.id}`, `DELETE FROM audit_log WHERE id = ${row!.id}`, 'TRUNCATE audit_log']) {
      expect(await errorOf(service((tx) => tx.unsafe(statement))), statement).toMatchObject({ code: '42501' });
      expect(await errorOf(asUser(db.app, { sub: userId }, (tx) => tx.unsafe(statement))), statement).toMatchObject({ code: '42501' });
      // The owner holds every privilege on its table; the triggers still refuse (RLS lifted so the row is reachable).
      const byOwner = await errorOf(db.owner.begin(async (tx) => {
        await tx`ALTER TABLE audit_log NO FORCE ROW LEVEL SECURITY`;
        await tx.unsafe(statement);
      }));
      expect(byOwner, statement).toMatchObject({ code: '42501', message: expect.stringMatching(/audit_log is append-only/) });
    }
    expect((await service((tx) => tx`SELECT action FROM audit_log WHERE id = ${row!.id}`))[0]!.action).toBe('test');
  });

  it('lets erasing a user null their rows’ user_id (the foreign key) and nothing else', async () => {
    const userId = await newUser();
    const [row] = await service((tx) => tx`INSERT INTO audit_log (user_id, action, entity_type) VALUES (${userId}, 'test', 'user') RETURNING id`);
    await service((tx) => tx`DELETE FROM users WHERE id = ${userId}`);
    expect((await service((tx) => tx`SELECT user_id, action FROM audit_log WHERE id = ${row!.id}`))[0]).toEqual({ user_id: null, action: 'test' });
  });
});

describe('notifications, each once under races (022)', () => {
  it('tells the user once when a job of theirs fails for good, however many workers fail it at once', async () => {
    const userId = await newUser();
    const [job] = await service((tx) => tx`SELECT create_job(${userId}, 'quota_reset', '{}'::jsonb, 5, now()) AS id`);
    await service((tx) => tx`SELECT start_job(${job!.id}, 'worker-1')`);
    const results = await Promise.all(Array.from({ length: 4 }, () =>
      service(async (tx) => (await tx`SELECT fail_job(${job!.id}, 'provider refused', false) AS ok`)[0]!.ok)));
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await notificationsOf(userId)).toEqual([
      { type: 'error', title: 'Maintenance job failed', dedupe_key: `job-failed:${job!.id}`, data: { job_id: job!.id, job_type: 'quota_reset' } }]);
  });

  it('does not tell the user about a failure that will be retried, nor about system jobs', async () => {
    const userId = await newUser();
    const [job] = await service((tx) => tx`SELECT create_job(${userId}, 'quota_reset', '{}'::jsonb, 5, now()) AS id`);
    await service((tx) => tx`SELECT start_job(${job!.id}, 'w'), fail_job(${job!.id}, 'flaky', true)`);
    expect(await notificationsOf(userId)).toEqual([]);
  });

  it('tells the user once at 80% and once at 100% of a quota, with concurrent increments crossing each threshold', async () => {
    const userId = await newUser();
    // Free tier: 30 syncs a month. 23 used, then 6 at once cross 80% (24); then 6 more at once reach 100% (30).
    await service((tx) => tx`SELECT increment_quota(${userId}, 'sync', 23)`);
    const race = (n: number) => Promise.all(Array.from({ length: n }, () => service((tx) => tx`SELECT increment_quota(${userId}, 'sync', 1)`)));
    await race(6);
    const month = (await service((tx) => tx`SELECT to_char(cycle_start_date AT TIME ZONE 'UTC', 'YYYY-MM') AS m FROM subscription WHERE user_id = ${userId}`))[0]!.m;
    expect((await notificationsOf(userId)).map((n) => n.dedupe_key)).toEqual([`quota:sync:80:${month}`]);
    await race(6);
    const told = await notificationsOf(userId);
    expect(told.map((n) => n.dedupe_key)).toEqual([`quota:sync:80:${month}`, `quota:sync:100:${month}`]);
    expect(told[1]).toMatchObject({ type: 'quota_warning', title: 'You have used all of this month\'s syncs', data: { used: 30, limit: 30, percent: 100 } });
    // Given back and taken again in the same cycle: nothing new.
    await service((tx) => tx`SELECT decrement_quota(${userId}, 'sync', 10)`);
    await race(10);
    expect(await notificationsOf(userId)).toHaveLength(2);
  });

  it('tells a jump past both thresholds once, as 100%', async () => {
    const userId = await newUser();
    await service((tx) => tx`SELECT increment_quota(${userId}, 'ai_analysis', 25)`);
    expect((await notificationsOf(userId)).map((n) => n.data.percent)).toEqual([100]);
  });
});

describe('cleanup_read_notifications (the daily cleanup)', () => {
  it('deletes notifications read before the retention, keeps recent reads and every unread one', async () => {
    const userId = await newUser();
    const insert = (key: string, readDaysAgo: number | null, createdDaysAgo: number) => service((tx) => tx`
      INSERT INTO notification (user_id, title, dedupe_key, read_at, created_at)
      VALUES (${userId}, ${key}, ${key}, ${readDaysAgo === null ? null : tx`now() - make_interval(days => ${readDaysAgo})`},
              now() - make_interval(days => ${createdDaysAgo}))`);
    await insert('old-read', 40, 45);
    await insert('recent-read', 2, 45);
    await insert('old-unread', null, 90);
    const [deleted] = await service((tx) => tx`SELECT cleanup_read_notifications('30 days') AS n`);
    expect(deleted!.n).toBeGreaterThanOrEqual(1);
    expect((await notificationsOf(userId)).map((n) => n.dedupe_key).sort()).toEqual(['old-unread', 'recent-read']);
  });
});
