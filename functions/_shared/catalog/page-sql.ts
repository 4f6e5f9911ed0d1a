import { cardColumns, isoUtc, isPublicItem, publicItems, type CardRow, type Db, type Query } from './content-sql.ts';
import type { CreatorProfileColumns } from './creator-sql.ts';

/** SQL for the single-entity pages: content detail (+ related items) and the creator page. */

const RELATED_LIMIT = 8;
/** Related items are drawn from at most this many of the item's tags, this many items per tag, … */
const RELATED_TAGS = 10;
const RELATED_PER_TAG = 50;
/** … and the newest this-many items of its category. */
const RELATED_SAME_CATEGORY = 16;

export interface DetailRow extends CardRow {
  description: string;
  language: string | null;
  shares_count: number;
  total_clicks: number;
  platform_name: string | null;
  platform_url: string | null;
  content_type_name: string | null;
  is_video: boolean | null;
  category_name: string | null;
  updated_at: string;
  creator_bio: string | null;
  creator_total_followers: number;
  tags: { tag: string; tag_type: string }[];
  media: { media_type: string; url: string; width: number | null; height: number | null; duration_seconds: number | null;
    mime_type: string | null; alt_text: string | null }[];
}

/** One discoverable item with its tags, media, platform, type, category and creator card. */
export function contentDetailQuery(tx: Db, id: string): Query<DetailRow> {
  return tx<DetailRow[]>`
    SELECT ${cardColumns(tx)}, c.description, c.language, c.shares_count::float8 AS shares_count,
           c.total_clicks::float8 AS total_clicks,
           p.display_name AS platform_name, p.website_url AS platform_url,
           ct.display_name AS content_type_name, ct.is_video, cat.display_name AS category_name,
           ${isoUtc(tx, tx`c.updated_at`)} AS updated_at,
           u.bio AS creator_bio, u.total_followers::float8 AS creator_total_followers,
           (SELECT coalesce(json_agg(json_build_object('tag', t.tag, 'tag_type', t.tag_type) ORDER BY t.tag), '[]')
              FROM content_tag t WHERE t.content_id = c.id) AS tags,
           (SELECT coalesce(json_agg(json_build_object('media_type', m.media_type, 'url', m.url, 'width', m.width,
                     'height', m.height, 'duration_seconds', m.duration_seconds, 'mime_type', m.mime_type,
                     'alt_text', m.alt_text) ORDER BY m.sort_order, m.id), '[]')
              FROM content_media m WHERE m.content_id = c.id) AS media
    FROM ${publicItems(tx)}
    LEFT JOIN platform p ON p.id = c.platform_id
    LEFT JOIN content_type ct ON ct.id = c.content_type_id
    LEFT JOIN content_category cat ON cat.code = c.category_code
    WHERE c.id = ${id} AND ${isPublicItem(tx)}`;
}

/**
 * Up to 8 discoverable items related to `id`: sharing its tags (two points per shared tag) or its category (one
 * point), most related first, then most viewed. Candidates are bounded (tags × per-tag + same-category newest).
 */
export function relatedContentQuery(tx: Db, id: string): Query<CardRow> {
  return tx<CardRow[]>`
    WITH mine AS (
      SELECT t.tag FROM content_tag t WHERE t.content_id = ${id} ORDER BY t.tag LIMIT ${RELATED_TAGS}
    ), by_tag AS (
      SELECT x.content_id AS id, 2 AS points
      FROM mine CROSS JOIN LATERAL (
        SELECT o.content_id FROM content_tag o WHERE o.tag = mine.tag AND o.content_id <> ${id} LIMIT ${RELATED_PER_TAG}
      ) x
    ), by_category AS (
      SELECT c.id, 1 AS points
      FROM ${publicItems(tx)}
      WHERE ${isPublicItem(tx)} AND c.id <> ${id}
        AND c.category_code = (SELECT i.category_code FROM content_item i WHERE i.id = ${id})
      ORDER BY c.published_at DESC, c.id DESC
      LIMIT ${RELATED_SAME_CATEGORY}
    ), scored AS (
      SELECT s.id, sum(s.points) AS points FROM (SELECT * FROM by_tag UNION ALL SELECT * FROM by_category) s GROUP BY s.id
    )
    SELECT ${cardColumns(tx)}
    FROM scored k JOIN ${publicItems(tx)} ON c.id = k.id
    WHERE ${isPublicItem(tx)}
    ORDER BY k.points DESC, c.views_count DESC, c.id DESC
    LIMIT ${RELATED_LIMIT}`;
}

export interface CreatorRow extends CreatorProfileColumns {
  updated_at: string;
  accounts: { platform: string; platform_name: string; handle: string | null; display_name: string | null;
    profile_url: string | null; avatar_url: string | null; follower_count: number; content_count: number; is_primary: boolean }[];
}

/** The public creator card columns of `u`, with the live social accounts (public fields only) as JSON. */
const creatorProfileColumns = (tx: Db) => tx`
  u.display_name, u.profile_slug, u.bio, u.avatar_url, u.website_url, u.primary_category, u.is_verified,
  u.total_followers::float8 AS total_followers, u.total_content::float8 AS total_content, u.total_views::float8 AS total_views,
  ${isoUtc(tx, tx`u.created_at`)} AS joined_at, ${isoUtc(tx, tx`u.updated_at`)} AS updated_at,
  (SELECT coalesce(json_agg(json_build_object('platform', p.slug, 'platform_name', p.display_name, 'handle', sa.handle,
            'display_name', sa.display_name, 'profile_url', sa.profile_url, 'avatar_url', sa.avatar_url,
            'follower_count', sa.follower_count, 'content_count', sa.content_count, 'is_primary', sa.is_primary)
            ORDER BY sa.is_primary DESC, p.sort_order, sa.follower_count DESC, sa.id), '[]')
     FROM social_account sa JOIN platform p ON p.id = sa.platform_id
     WHERE sa.user_id = u.id AND sa.deleted_at IS NULL) AS accounts`;

/**
 * The creator page in one query: the creator (public, live, by slug), their accounts, and their newest limit + 1
 * items as a JSON array (fetched through the user's index; a creator has tens to thousands of items, not 1M), after
 * an optional keyset (published_at, id) for the site's "more" pages.
 */
export function creatorPageQuery(tx: Db, slug: string, limit: number, after?: string[]): Query<CreatorRow & { items: CardRow[] }> {
  const keyset = after ? tx`AND (c.published_at, c.id) < (${after[0]!}::text::timestamptz, ${after[1]!}::uuid)` : tx``;
  return tx<(CreatorRow & { items: CardRow[] })[]>`
    SELECT ${creatorProfileColumns(tx)},
           (SELECT coalesce(json_agg(i ORDER BY i.published_at DESC, i.id DESC), '[]') FROM (
              SELECT ${cardColumns(tx)}
              FROM content_item c
              WHERE c.user_id = u.id AND ${isPublicItem(tx)} ${keyset}
              ORDER BY c.published_at DESC, c.id DESC
              LIMIT ${limit + 1}) i) AS items
    FROM users u
    WHERE u.profile_slug = ${slug} AND u.is_public AND u.deleted_at IS NULL`;
}

/** Just the creator (for SEO metadata). */
export function creatorProfileQuery(tx: Db, slug: string): Query<CreatorRow> {
  return tx<CreatorRow[]>`
    SELECT ${creatorProfileColumns(tx)} FROM users u
    WHERE u.profile_slug = ${slug} AND u.is_public AND u.deleted_at IS NULL`;
}
