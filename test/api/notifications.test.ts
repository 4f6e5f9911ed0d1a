import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService } from '../../db/context.ts';
import { markNeedsReconnect } from '../../functions/oauth/refresh.ts';
import { startTestApi, type TestApi } from '../api.ts';

let api: TestApi;
beforeAll(async () => { api = await startTestApi('api_notifications'); });
afterAll(async () => { await api?.stop(); });

const service = <T>(work: Parameters<typeof asService<T>>[1]) => asService(api.db.app, work);
const notify = (userId: string, key: string) => service((tx) => tx`SELECT notify_user(${userId}, 'info', ${`About ${key}`}, 'message', ${key}) AS inserted`);

describe('GET /notifications: keyset pages and the unread count', () => {
  it('pages newest first without gaps or repeats, counts the unread, and marks read', async () => {
    const { token, userId } = await api.signUp();
    for (let n = 0; n < 25; n += 1) await notify(userId, `event-${n}`);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: { title: string }[]; unread_count: number; page: { next_cursor: string | null } } } =
        await api.request('GET', `/notifications?limit=10${cursor ? `&cursor=${cursor}` : ''}`, { token });
      expect(page.status).toBe(200);
      expect(page.body.unread_count).toBe(25);
      seen.push(...page.body.items.map((i) => i.title));
      cursor = page.body.page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, n) => `About event-${24 - n}`));

    const newest = (await api.request('GET', '/notifications?limit=3', { token })).body.items.map((i: { id: string }) => i.id);
    expect((await api.request('POST', '/notifications-mark-read', { token, body: { ids: newest } })).body).toEqual({ updated: 3 });
    const unread = await api.request('GET', '/notifications?unread_only=true&limit=100', { token });
    expect(unread.body.unread_count).toBe(22);
    expect(unread.body.items).toHaveLength(22);
    // Another user's notifications are not theirs to see.
    const other = await api.signUp();
    expect((await api.request('GET', '/notifications', { token: other.token })).body).toMatchObject({ items: [], unread_count: 0 });
  });

  it('keeps one notification per event key, however often the event is reported', async () => {
    const { token, userId } = await api.signUp();
    const results = await Promise.all(Array.from({ length: 5 }, () => notify(userId, 'stripe:invoice.payment_failed:in_1')));
    expect(results.filter(([r]) => r!.inserted)).toHaveLength(1);
    expect((await api.request('GET', '/notifications', { token })).body.unread_count).toBe(1);
  });

  it('tells a user once that a connection needs reconnecting, when the token worker and a sync both find the grant revoked', async () => {
    const { token, userId } = await api.signUp();
    const [connection] = await service((tx) => tx`
      INSERT INTO platform_connection (user_id, platform_id, platform_user_id, vault_secret_name, status_id)
      SELECT ${userId}, p.id, ${`yt-${randomUUID()}`}, ${`streamvibe/local/oauth/youtube/${randomUUID()}`}, s.id
      FROM platform p, account_status s WHERE p.slug = 'youtube' AND s.slug = 'active' RETURNING id`);
    await Promise.all([1, 2, 3].map(() => service((tx) => markNeedsReconnect(tx, connection!.id))));
    const items = (await api.request('GET', '/notifications', { token })).body.items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ type: 'warning', title: 'Reconnect your youtube account', data: { platform: 'youtube', connection_id: connection!.id } });
  });

  it('the daily cleanup deletes notifications read over 30 days ago and keeps the rest', async () => {
    const { token, userId } = await api.signUp();
    await notify(userId, 'old');
    await notify(userId, 'fresh');
    await service((tx) => tx`UPDATE notification SET read_at = now() - interval '31 days' WHERE user_id = ${userId} AND dedupe_key = 'old'`);
    await api.stack.scheduler.run('cleanup');
    expect((await api.request('GET', '/notifications', { token })).body.items.map((i: { title: string }) => i.title)).toEqual(['About fresh']);
  });
});
