import { randomUUID } from 'node:crypto';
import type { TransactionSql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService } from '../db/context.ts';
import type { SourceItem } from '../functions/sync/sources/port.ts';
import { writePage } from '../functions/sync/write.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

let db: TestDatabase;
const service = <T>(work: (tx: TransactionSql) => Promise<T>) => asService(db.app, work);

beforeAll(async () => { db = await createTestDatabase('sync_write'); });
afterAll(async () => { await db?.drop(); });

const item = (id: string, title: string): SourceItem => ({
  platformContentId: id, type: 'long_video', title, description: `about ${title}`, url: `https://www.youtube.com/watch?v=${id}`,
  publishedAt: '2026-11-30T12:00:00Z', tags: ['one'], media: [],
});

describe('writePage (functions/sync/write.ts)', () => {
  it('writes an item that two pages of one write both list once, as read last (a listing that shifted while read)', async () => {
    const userId = randomUUID();
    const accountId = randomUUID();
    const [target] = await service(async (tx) => {
      await tx`INSERT INTO users (id, email) VALUES (${userId}, ${`${userId}@example.com`})`;
      return tx`INSERT INTO social_account (id, user_id, platform_id, platform_account_id, status_id)
        SELECT ${accountId}, ${userId}, p.id, 'channel-1', s.id FROM platform p, account_status s
        WHERE p.slug = 'youtube' AND s.slug = 'active' RETURNING id AS "socialAccountId", user_id AS "userId", platform_id AS "platformId"`;
    });
    const counts = await service((tx) => writePage(tx, target as never,
      [item('a', 'first read'), item('b', 'b'), item('a', 'read again'), item('c', 'c')], new Date(), '{}'));
    expect(counts).toEqual({ inserted: 3, updated: 0 });
    const rows = await db.owner`SELECT platform_content_id, title FROM content_item WHERE social_account_id = ${accountId} ORDER BY 1`;
    expect(rows.map((r) => [r.platform_content_id, r.title])).toEqual([['a', 'read again'], ['b', 'b'], ['c', 'c']]);
  });
});
