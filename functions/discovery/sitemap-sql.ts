import type postgres from 'postgres';
import { isoUtc, isPublicItem, publicItems, type Db, type Query } from '../_shared/catalog/content-sql.ts';

/** SQL for the sitemap: an estimate of the URL count, and the URLs of one uuid-range part. */

export interface SitemapRow {
  kind: 'creator' | 'content';
  key: string;
  lastmod: string;
}

/**
 * The URL count as the planner would estimate it, never a count(*) over 1M rows: each table's rows per page at its last
 * ANALYZE times its pages now, so a table that grew since (a big sync, a bulk import) is counted at its current size.
 * Private and deleted rows count too, so parts come out smaller than planned, never larger. A table with no statistics
 * yet (never analyzed, or empty when it was) is counted, as the caller sees it, until autovacuum analyzes it.
 */
export const sitemapEstimateQuery = (tx: Db): Query<{ urls: number }> => tx<{ urls: number }[]>`
  WITH size AS (
    SELECT c.oid, c.reltuples, c.relpages, pg_relation_size(c.oid) / current_setting('block_size')::float8 AS pages_now
    FROM pg_class c WHERE c.oid IN ('public.content_item'::regclass, 'public.users'::regclass)
  ), density AS (
    SELECT oid, CASE WHEN reltuples > 0 AND relpages > 0 THEN reltuples / relpages * pages_now END AS rows FROM size
  )
  SELECT (coalesce((SELECT rows FROM density WHERE oid = 'public.content_item'::regclass), (SELECT count(*) FROM public.content_item))
        + coalesce((SELECT rows FROM density WHERE oid = 'public.users'::regclass), (SELECT count(*) FROM public.users)))::float8 AS urls`;

/**
 * The creator and content URLs whose id falls in [from, to) (either bound open), at most `limit`. Ranges of the
 * random uuid space split both tables evenly, and each part is a primary-key range scan however deep it is,
 * where OFFSET-paged parts would rescan every earlier part.
 */
export function sitemapUrlsQuery(tx: Db, range: { from?: string; to?: string }, limit: number): Query<SitemapRow> {
  const inRange = (column: postgres.Fragment) => tx`
    ${range.from ? tx`AND ${column} >= ${range.from}::uuid` : tx``} ${range.to ? tx`AND ${column} < ${range.to}::uuid` : tx``}`;
  return tx<SitemapRow[]>`
    SELECT 'creator' AS kind, u.profile_slug AS key, ${isoUtc(tx, tx`u.updated_at`)} AS lastmod
    FROM users u
    WHERE u.is_public AND u.deleted_at IS NULL AND u.profile_slug IS NOT NULL ${inRange(tx`u.id`)}
    UNION ALL
    SELECT 'content', c.id::text, ${isoUtc(tx, tx`c.updated_at`)}
    FROM ${publicItems(tx)}
    WHERE ${isPublicItem(tx)} ${inRange(tx`c.id`)}
    LIMIT ${limit}`;
}
