import type postgres from 'postgres';
import { isoUtc, isPublicItem, publicItems, type Db, type Query } from '../_shared/catalog/content-sql.ts';

/** SQL for the sitemap: an estimate of the URL count, and the URLs of one uuid-range part. */

export interface SitemapRow {
  kind: 'creator' | 'content';
  key: string;
  lastmod: string;
}

/**
 * An upper bound of the URL count from the planner's statistics (pg_class.reltuples counts private and deleted rows
 * too, so parts come out smaller than planned, never larger): no count(*) over 1M rows. 0 before the first ANALYZE.
 */
export const sitemapEstimateQuery = (tx: Db): Query<{ urls: number }> => tx<{ urls: number }[]>`
  SELECT (greatest((SELECT c.reltuples FROM pg_class c WHERE c.oid = 'public.content_item'::regclass), 0)
        + greatest((SELECT c.reltuples FROM pg_class c WHERE c.oid = 'public.users'::regclass), 0))::float8 AS urls`;

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
