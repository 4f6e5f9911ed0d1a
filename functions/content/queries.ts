import type { Sql, TransactionSql } from 'postgres';
import type { Parsed } from '../_shared/route.ts';
import type { Claims } from '../../db/roles.ts';
import { asUser } from '../_shared/db.ts';
import { makeCursor, paginate, readCursor } from '../_shared/cursor.ts';
import { ConflictError, NotFoundError } from '../_shared/errors.ts';
import type { MyContentQuery } from './routes/list-my-content.ts';
import type { UpdateMyContentBody } from './routes/update-my-content.ts';

/**
 * Every query runs as the caller (RLS: content_item_read_own, content_item_update_own, content_tag_*_own) and also names
 * `user_id = auth.uid()`: the read policy lets an admin see everyone's items, and "my content" is the caller's only.
 * Another user's item is therefore no row at all, the same 404 as an item that does not exist.
 */
const NO_SUCH_ITEM = 'No such content item';
const me = (tx: TransactionSql) => tx`(SELECT auth.uid())`;

interface ItemRow {
  id: string;
  views_count: number;
  /** Exact published_at (UTC, microseconds) for the cursor: a Date would drop the microseconds and skip rows. */
  published_at: string;
}

/** The columns of the answer's item `c`, its platform and type by slug, its tags with their source. */
const itemColumns = (tx: TransactionSql) => tx`
  c.id, (SELECT p.slug FROM platform p WHERE p.id = c.platform_id) AS platform, c.social_account_id,
  (SELECT t.slug FROM content_type t WHERE t.id = c.content_type_id) AS type,
  c.title, c.description, c.url, c.thumbnail_url, c.duration_seconds, c.language, c.visibility, c.category_code AS category,
  coalesce((SELECT jsonb_agg(jsonb_build_object('tag', g.tag, 'source', g.source) ORDER BY g.source <> 'user', g.source, g.tag)
            FROM content_tag g WHERE g.content_id = c.id), '[]'::jsonb) AS tags,
  to_char(c.published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS published_at,
  c.views_count::float8 AS views_count, c.likes_count::float8 AS likes_count, c.comments_count::float8 AS comments_count,
  c.shares_count::float8 AS shares_count, c.total_clicks::float8 AS total_clicks, c.created_at, c.updated_at, c.deleted_at`;

/** `%`, `_` and `\` taken literally in an ILIKE pattern. */
const likeLiteral = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** GET /my-content: the caller's items, filtered, newest (or most viewed) first, one keyset page. */
export function listMyContent(sql: Sql, claims: Claims, query: Parsed<typeof MyContentQuery>) {
  const byViews = query.sort === 'views';
  const after = query.cursor ? readCursor(query.cursor, query.sort, [byViews ? 'integer' : 'timestamp', 'uuid']) : undefined;
  return asUser(sql, claims, async (tx) => {
    const keyset = !after ? tx``
      : byViews ? tx`AND (c.views_count, c.id) < (${after[0]!}::bigint, ${after[1]!}::uuid)`
      : tx`AND (c.published_at, c.id) < (${after[0]!}::text::timestamptz, ${after[1]!}::uuid)`;
    const rows = await tx<ItemRow[]>`
      SELECT ${itemColumns(tx)}
      FROM content_item c
      WHERE c.user_id = ${me(tx)}
        ${query.include_deleted ? tx`` : tx`AND c.deleted_at IS NULL`}
        ${query.platform ? tx`AND c.platform_id = (SELECT p.id FROM platform p WHERE p.slug = ${query.platform})` : tx``}
        ${query.type ? tx`AND c.content_type_id = (SELECT t.id FROM content_type t WHERE t.slug = ${query.type})` : tx``}
        ${query.social_account_id ? tx`AND c.social_account_id = ${query.social_account_id}` : tx``}
        ${query.visibility ? tx`AND c.visibility = ${query.visibility}` : tx``}
        ${query.category ? tx`AND c.category_code = ${query.category}` : tx``}
        ${query.q ? tx`AND (c.search_vector @@ websearch_to_tsquery('english', ${query.q})
                            OR c.title ILIKE ${`%${likeLiteral(query.q)}%`})` : tx``}
        ${keyset}
      ORDER BY ${byViews ? tx`c.views_count DESC, c.id DESC` : tx`c.published_at DESC, c.id DESC`}
      LIMIT ${query.limit + 1}`;
    return paginate(rows, query.limit, (row) => makeCursor(query.sort, [byViews ? String(row.views_count) : row.published_at, row.id]));
  });
}

/** One of the caller's items, as the list shows it. */
async function findMyItem(tx: TransactionSql, id: string) {
  const [item] = await tx`SELECT ${itemColumns(tx)} FROM content_item c WHERE c.id = ${id} AND c.user_id = ${me(tx)}`;
  if (!item) throw new NotFoundError(NO_SUCH_ITEM);
  return item;
}

/**
 * PATCH /my-content: the item's row is locked first, so the column UPDATE (which the revision and user-edit triggers
 * record) and the tag replacement apply together or not at all, and concurrent edits of one item take turns.
 */
export function updateMyContent(sql: Sql, claims: Claims, input: Parsed<typeof UpdateMyContentBody>) {
  const { content_id: id, tags, category, title, description, visibility } = input;
  const columns = Object.fromEntries(Object.entries({ title, description, visibility, category_code: category })
    .filter(([, value]) => value !== undefined));
  return asUser(sql, claims, async (tx) => {
    const [item] = await tx`SELECT deleted_at FROM content_item WHERE id = ${id} AND user_id = ${me(tx)} FOR UPDATE`;
    if (!item) throw new NotFoundError(NO_SUCH_ITEM);
    if (item.deleted_at) throw new ConflictError('This content item is deleted; deleted items cannot be edited');
    if (Object.keys(columns).length > 0) await tx`UPDATE content_item SET ${tx(columns)} WHERE id = ${id}`;
    if (tags) await replaceUserTags(tx, id, [...new Set(tags)]);
    return findMyItem(tx, id);
  });
}

/**
 * The creator's own tags (source 'user') become `tags`; the platform's and the AI's stay (RLS lets a user delete and
 * insert only source 'user'). A tag the item already has from the platform or the AI is kept as it is, not duplicated.
 */
async function replaceUserTags(tx: TransactionSql, id: string, tags: string[]) {
  await tx`DELETE FROM content_tag WHERE content_id = ${id} AND source = 'user'`;
  if (tags.length === 0) return;
  await tx`INSERT INTO content_tag (content_id, tag) SELECT ${id}, tag FROM unnest(${tags}::text[]) AS tag
           ON CONFLICT (content_id, tag) DO NOTHING`;
}

/** DELETE /my-content: sets deleted_at once; an item the caller already deleted answers as it is (idempotent). */
export function deleteMyContent(sql: Sql, claims: Claims, id: string) {
  return asUser(sql, claims, async (tx) => {
    const [deleted] = await tx`
      UPDATE content_item SET deleted_at = now() WHERE id = ${id} AND user_id = ${me(tx)} AND deleted_at IS NULL
      RETURNING id, deleted_at`;
    if (deleted) return { id: deleted.id, deleted_at: deleted.deleted_at, already_deleted: false };
    const [existing] = await tx`SELECT id, deleted_at FROM content_item WHERE id = ${id} AND user_id = ${me(tx)}`;
    if (!existing) throw new NotFoundError(NO_SUCH_ITEM);
    return { id: existing.id, deleted_at: existing.deleted_at, already_deleted: true };
  });
}
