/**
 * The baseline of `npm run bench:sync`: the rows a sync wrote, loaded again by COPY (the fastest way into PostgreSQL)
 * into a fresh account of the same database, so into the same indexes (the GIN full-text and trigram ones included)
 * and through the same triggers (search term postings). COPY FROM refuses tables under row-level security for roles
 * that do not bypass it, and content_item forces RLS, so the baseline runs as the superuser: its rows skip the policy
 * checks the sync's service_role inserts pay.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Sql } from 'postgres';
import { asService } from '../../db/context.ts';

const ITEM_COLUMNS = ['id', 'social_account_id', 'user_id', 'platform_id', 'content_type_id', 'platform_content_id', 'title', 'description',
  'url', 'thumbnail_url', 'duration_seconds', 'published_at', 'visibility', 'views_count', 'likes_count', 'comments_count', 'shares_count',
  'platform_data', 'last_synced_at'] as const;
const ROWS_PER_CHUNK = 500;

interface SyncedRows {
  items: Record<string, unknown>[];
  /** content_tag rows of the items, by their index in `items`. */
  tags: { item: number; tag: string }[];
}

/** The items and platform tags the sync wrote for an account, as stored. */
export async function readSyncedRows(superuser: Sql, socialAccountId: string): Promise<SyncedRows> {
  const items = await superuser`
    SELECT id, content_type_id, platform_content_id, title, description, url, thumbnail_url, duration_seconds, published_at, visibility,
           views_count, likes_count, comments_count, shares_count, platform_data::text AS platform_data, last_synced_at
    FROM content_item WHERE social_account_id = ${socialAccountId} ORDER BY published_at DESC`;
  const position = new Map(items.map((item, index) => [item.id as string, index]));
  const tags = await superuser`
    SELECT t.content_id, t.tag FROM content_tag t JOIN content_item c ON c.id = t.content_id
    WHERE c.social_account_id = ${socialAccountId} AND t.source = 'platform'`;
  return { items: [...items], tags: tags.map((t) => ({ item: position.get(t.content_id as string)!, tag: t.tag as string })) };
}

/** A YouTube account with no connection, for the copied rows (its own creator, so no tier limit is in the way). */
export async function createCopyAccount(app: Sql, userId: string): Promise<{ socialAccountId: string; platformId: string }> {
  const [row] = await asService(app, (tx) => tx`
    INSERT INTO social_account (user_id, platform_id, platform_account_id, status_id)
    SELECT ${userId}, p.id, ${`bench-copy-${randomUUID()}`}, s.id FROM platform p, account_status s WHERE p.slug = 'youtube' AND s.slug = 'active'
    RETURNING id, platform_id`);
  return { socialAccountId: row!.id as string, platformId: row!.platform_id as string };
}

/** COPY text format: backslash, tab, newline and carriage return escaped; NULL as \N. */
const field = (value: unknown): string => {
  if (value === null || value === undefined) return '\\N';
  const text = value instanceof Date ? value.toISOString() : String(value);
  return text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
};

function* lines<T>(rows: T[], line: (row: T) => unknown[]): Generator<string> {
  for (let at = 0; at < rows.length; at += ROWS_PER_CHUNK) {
    yield rows.slice(at, at + ROWS_PER_CHUNK).map((row) => `${line(row).map(field).join('\t')}\n`).join('');
  }
}

/**
 * Loads the rows into the account with two COPYs (items, then their tags) in one transaction, the lines made as they
 * stream. Returns the wall clock from BEGIN to COMMIT.
 */
export async function copyRows(superuser: Sql, rows: SyncedRows, target: { socialAccountId: string; userId: string; platformId: string }): Promise<number> {
  const ids = rows.items.map(() => randomUUID());
  const fixed = { social_account_id: target.socialAccountId, user_id: target.userId, platform_id: target.platformId };
  const items = rows.items.map((item, at): Record<string, unknown> => ({ ...item, ...fixed, id: ids[at] }));
  const started = performance.now();
  await superuser.begin(async (tx) => {
    const itemStream = await tx`COPY content_item (${tx(ITEM_COLUMNS as unknown as string[])}) FROM STDIN`.writable();
    await pipeline(Readable.from(lines(items, (item) => ITEM_COLUMNS.map((column) => item[column]))), itemStream);
    const tags = await tx`COPY content_tag (content_id, tag, source, tag_type) FROM STDIN`.writable();
    await pipeline(Readable.from(lines(rows.tags, (t) => [ids[t.item], t.tag, 'platform', 'hashtag'])), tags);
  });
  return performance.now() - started;
}
