import type { Sql, TransactionSql } from 'postgres';
import { asAnon } from '../../db/context.ts';
import { DISCOVERY_PLANNER_SETTINGS, readAsAnon } from '../_shared/catalog/read.ts';
import { NotFoundError } from '../_shared/errors.ts';
import type { Parsed } from '../_shared/route.ts';
import { browseContentQuery, correctWordsQuery, searchContentQuery, trendingQuery, type CardRow } from '../_shared/catalog/content-sql.ts';
import { browseCreatorsQuery, searchCreatorsQuery, type CreatorCardRow } from '../_shared/catalog/creator-sql.ts';
import { makeCursor, paginate, readCursor } from '../_shared/cursor.ts';
import { contentDetailQuery, creatorPageQuery, creatorProfileQuery, relatedContentQuery, type DetailRow } from '../_shared/catalog/page-sql.ts';
import { contentMetadata, creatorMetadata } from '../_shared/catalog/seo.ts';
import { applyCorrections, correctableWords } from './spelling.ts';
import type { BrowseContentQuery } from './routes/browse-content.ts';
import type { BrowseCreatorsQuery } from './routes/browse-creators.ts';
import type { ContentDetailQuery } from './routes/get-content-detail.ts';
import type { CreatorBySlugQuery } from './routes/get-creator-by-slug.ts';
import type { SeoMetadataQuery } from './routes/get-seo-metadata.ts';
import type { TrendingQuery } from './routes/get-trending.ts';
import type { SearchContentQuery } from './routes/search-content.ts';
import type { SearchCreatorsQuery } from './routes/search-creators.ts';

// The SQL builders, for benchmarks that run the exact queries the API runs (as anon, with DISCOVERY_PLANNER_SETTINGS).
export * from '../_shared/catalog/content-sql.ts';
export * from '../_shared/catalog/creator-sql.ts';
export * from '../_shared/catalog/page-sql.ts';
export * from '../_shared/catalog/read.ts';
export * from './sitemap-sql.ts';

/** The card of a content row: the item, and the creator nested. */
export function toCard(row: CardRow) {
  const { creator_display_name, creator_slug, creator_avatar_url, creator_is_verified, ...item } = row;
  return { ...item, creator: { display_name: creator_display_name, profile_slug: creator_slug, avatar_url: creator_avatar_url,
    is_verified: creator_is_verified } };
}

const recentKey = (row: CardRow) => [row.published_at, row.id];
const popularKey = (row: CardRow) => [String(row.views_count), row.id];

/** /browse-content: newest, most viewed, or trending (by rank of a period) first. */
export function browseContent(sql: Sql, query: Parsed<typeof BrowseContentQuery>) {
  const window = { limit: query.limit, offset: query.offset };
  if (query.sort === 'trending') return listTrending(sql, { ...query, ...window, period: query.period ?? 'week' });
  const sort = query.sort;
  const after = query.cursor ? readCursor(query.cursor, sort, [sort === 'recent' ? 'timestamp' : 'integer', 'uuid']) : undefined;
  return readAsAnon(sql, async (tx) => {
    const rows = await browseContentQuery(tx, { ...query, ...window, sort, after });
    const { items, page } = paginate(rows, query.limit, (row) => makeCursor(sort, sort === 'recent' ? recentKey(row) : popularKey(row)));
    return { items: items.map(toCard), page };
  });
}

/** /get-trending (and browse-content?sort=trending): the period's ranks, filtered, after a rank. */
export function listTrending(sql: Sql, query: Omit<Parsed<typeof TrendingQuery>, 'cursor'> & {
  cursor?: string; content_type?: string; creator_slug?: string;
}) {
  const ordering = `trending:${query.period}`;
  const afterRank = query.cursor ? Number(readCursor(query.cursor, ordering, ['rank'])[0]) : undefined;
  return readAsAnon(sql, async (tx) => {
    const rows = await trendingQuery(tx, { ...query, afterRank });
    const { items, page } = paginate(rows, query.limit, (row) => makeCursor(ordering, [row.rank]));
    return { period: query.period, items: items.map((row) => toCard(row)), page };
  });
}

/** /search-content: ranked (or newest / most viewed) matches; when nothing matches, the query spelled as the lexicon would. */
export function searchContent(sql: Sql, query: Parsed<typeof SearchContentQuery>) {
  const ordering = `search:${query.sort}`;
  const after = query.cursor
    ? readCursor(query.cursor, ordering, [query.sort === 'relevance' ? 'float' : query.sort === 'recent' ? 'timestamp' : 'integer', 'uuid'])
    : undefined;
  const keyOf = (row: CardRow & { score: number }) =>
    query.sort === 'relevance' ? [String(row.score), row.id] : query.sort === 'recent' ? recentKey(row) : popularKey(row);
  return readAsAnon(sql, async (tx) => {
    const search = (q: string) => searchContentQuery(tx, { ...query, q, after, limit: query.limit, offset: query.offset });
    let rows = await search(query.q);
    let didYouMean: string | null = null;
    const firstPage = !query.cursor && !query.offset;
    if (rows.length === 0 && firstPage) {
      const corrections = await correctWordsQuery(tx, correctableWords(query.q));
      const corrected = applyCorrections(query.q, corrections);
      if (corrected !== query.q) {
        const correctedRows = await search(corrected);
        if (correctedRows.length > 0) [rows, didYouMean] = [correctedRows, corrected];
      }
    }
    const { items, page } = paginate(rows, query.limit, (row) => makeCursor(ordering, keyOf(row)));
    return { items: items.map((row) => toCard(row)), page, did_you_mean: didYouMean, results_for: didYouMean ?? query.q };
  });
}

/** A creator row without its keyset columns. */
function toCreatorCard<R extends CreatorCardRow & { sort_key?: string; followers_key?: string }>(row: R): Omit<R, 'key_id' | 'sort_key' | 'followers_key'> {
  const { key_id: _id, sort_key: _sort, followers_key: _followers, ...card } = row;
  return card;
}

/** /browse-creators: public creators by followers, join date or views. */
export function browseCreators(sql: Sql, query: Parsed<typeof BrowseCreatorsQuery>) {
  const ordering = `creators:${query.sort}`;
  const after = query.cursor ? readCursor(query.cursor, ordering, [query.sort === 'recent' ? 'timestamp' : 'integer', 'uuid']) : undefined;
  return readAsAnon(sql, async (tx) => {
    const rows = await browseCreatorsQuery(tx, { ...query, after });
    const { items, page } = paginate(rows, query.limit, (row) => makeCursor(ordering, [String(row.sort_key), row.key_id]));
    return { items: items.map(toCreatorCard), page };
  });
}

/** /search-creators: creators whose name, slug or bio matches, best first. */
export function searchCreators(sql: Sql, query: Parsed<typeof SearchCreatorsQuery>) {
  const after = query.cursor ? readCursor(query.cursor, 'creators:search', ['float', 'integer', 'uuid']) : undefined;
  return readAsAnon(sql, async (tx) => {
    const rows = await searchCreatorsQuery(tx, { ...query, after });
    const { items, page } = paginate(rows, query.limit,
      (row) => makeCursor('creators:search', [String(row.score), String(row.followers_key), row.key_id]));
    return { items: items.map(toCreatorCard), page };
  });
}

/** /browse-categories: active categories with item counts cached by discovery_category_counts() (no count over 1M rows per request). */
export function browseCategories(sql: Sql) {
  // Not readAsAnon: that is READ ONLY, and discovery_category_counts() writes its cache when the counts have expired.
  return asAnon(sql, async (tx) => {
    const rows = await tx<{ code: string; display_name: string; description: string | null; icon: string | null; sort_order: number;
      item_count: number; computed_at: string | null }[]>`
      WITH counts AS (SELECT discovery_category_counts() AS v)
      SELECT cat.code, cat.display_name, cat.description, cat.icon, cat.sort_order,
             coalesce((counts.v -> 'counts' ->> cat.code)::float8, 0) AS item_count,
             counts.v ->> 'computed_at' AS computed_at
      FROM content_category cat, counts
      ORDER BY cat.sort_order, cat.code`;
    const computedAt = rows[0]?.computed_at;
    return {
      items: rows.map(({ computed_at: _, ...category }) => category),
      count_is_estimate: true as const,
      counts_computed_at: computedAt ? new Date(computedAt).toISOString() : null,
    };
  }, { settings: DISCOVERY_PLANNER_SETTINGS });
}

/** The detail of a discoverable item; 404 for a missing, private, unlisted or deleted item or a hidden creator. */
export async function findContentDetail(tx: TransactionSql, id: string): Promise<DetailRow> {
  const [item] = await contentDetailQuery(tx, id);
  if (!item) throw new NotFoundError('No such content');
  return item;
}

/** /get-content-detail: the item with tags, media, creator, platform and up to 8 related items (two pipelined queries). */
export function getContentDetail(sql: Sql, query: Parsed<typeof ContentDetailQuery>) {
  return readAsAnon(sql, async (tx) => {
    const [item, related] = await Promise.all([findContentDetail(tx, query.id), relatedContentQuery(tx, query.id)]);
    return { item: toDetail(item), related: related.map(toCard) };
  });
}

function toDetail(row: DetailRow) {
  return {
    id: row.id, title: row.title, description: row.description, url: row.url, thumbnail_url: row.thumbnail_url,
    duration_seconds: row.duration_seconds, language: row.language, published_at: row.published_at, updated_at: row.updated_at,
    views_count: row.views_count, likes_count: row.likes_count, comments_count: row.comments_count,
    shares_count: row.shares_count, total_clicks: row.total_clicks,
    category: row.category ? { code: row.category, display_name: row.category_name } : null,
    content_type: row.content_type ? { slug: row.content_type, display_name: row.content_type_name, is_video: row.is_video } : null,
    platform: row.platform ? { slug: row.platform, display_name: row.platform_name, website_url: row.platform_url } : null,
    tags: row.tags, media: row.media,
    creator: { display_name: row.creator_display_name, profile_slug: row.creator_slug, avatar_url: row.creator_avatar_url,
      is_verified: row.creator_is_verified, bio: row.creator_bio, total_followers: row.creator_total_followers },
  };
}

const CREATOR_PAGE_ITEMS = 20;

/** /get-creator-by-slug: profile, social accounts and the newest 20 items in one query; next_cursor continues in /browse-content. */
export function getCreatorBySlug(sql: Sql, query: Parsed<typeof CreatorBySlugQuery>) {
  return readAsAnon(sql, async (tx) => {
    const [row] = await creatorPageQuery(tx, query.slug, CREATOR_PAGE_ITEMS);
    if (!row) throw new NotFoundError('No such creator');
    const { items: rows, updated_at: _, ...creator } = row;
    const { items, page } = paginate(rows, CREATOR_PAGE_ITEMS, (item) => makeCursor('recent', recentKey(item)));
    return { creator, items: items.map(toCard), page };
  });
}

/** /get-seo-metadata: the metadata of a discoverable content or creator page (404 otherwise). */
export function getSeoMetadata(sql: Sql, site: string, query: Parsed<typeof SeoMetadataQuery>) {
  return readAsAnon(sql, async (tx) => {
    if (query.type === 'content') return contentMetadata(site, await findContentDetail(tx, query.id!));
    const [creator] = await creatorProfileQuery(tx, query.slug!);
    if (!creator) throw new NotFoundError('No such creator');
    return creatorMetadata(site, creator);
  });
}
