import type postgres from 'postgres';

/**
 * SQL for content discovery, as postgres.js query builders: each takes a connection (or transaction) and returns the
 * unexecuted query, so the handlers run it as `anon` and a benchmark can run the very same SQL (or EXPLAIN it,
 * `` tx`EXPLAIN ${query}` ``). Every query joins `users` explicitly with the RLS predicate (public, live creator): the
 * planner then walks the partial indexes of 002 and probes users by primary key, and RLS only re-checks.
 */
export type Db = postgres.ISql<{}>;
export type Query<R extends object> = postgres.PendingQuery<R[]>;

/** Relevance ranks only the newest this-many matches (FIELD-NOTES: ts_rank over all 42k hits of a common term costs 185 ms). */
export const SEARCH_CANDIDATE_LIMIT = 200;

export type ContentSort = 'recent' | 'popular';
export type TrendingPeriod = 'today' | 'week' | 'month' | 'all_time';

export interface ContentFilters {
  category?: string;
  platform?: string;
  content_type?: string;
  creator_slug?: string;
}
/** limit is the page size; queries fetch limit + 1 rows to know whether there is a next page. */
export interface Window {
  limit: number;
  offset?: number;
}

/** One content card row: the columns every list returns (the mapper in queries.ts nests the creator). */
export interface CardRow {
  id: string;
  title: string;
  excerpt: string;
  url: string | null;
  thumbnail_url: string | null;
  duration_seconds: number | null;
  category: string | null;
  content_type: string | null;
  platform: string | null;
  published_at: string;
  views_count: number;
  likes_count: number;
  comments_count: number;
  creator_display_name: string | null;
  creator_slug: string | null;
  creator_avatar_url: string | null;
  creator_is_verified: boolean;
}

const EXCERPT_CHARS = 280;

/**
 * UTC ISO 8601 with microseconds: exact, so a timestamp can round-trip through a keyset cursor. (Cursor timestamps
 * go back as `$n::text::timestamptz`: postgres.js serialises a parameter typed timestamptz through Date, which
 * keeps milliseconds only, and the page boundary would skip or repeat rows.)
 */
export const isoUtc = (tx: Db, column: postgres.Fragment) =>
  tx`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** The card columns of item `c` by creator `u` (both must be in scope). */
export const cardColumns = (tx: Db) => tx`
  c.id, c.title, left(c.description, ${EXCERPT_CHARS}) AS excerpt, c.url, c.thumbnail_url, c.duration_seconds,
  c.category_code AS category,
  (SELECT ct.slug FROM content_type ct WHERE ct.id = c.content_type_id) AS content_type,
  (SELECT p.slug FROM platform p WHERE p.id = c.platform_id) AS platform,
  ${isoUtc(tx, tx`c.published_at`)} AS published_at,
  c.views_count::float8 AS views_count, c.likes_count::float8 AS likes_count, c.comments_count::float8 AS comments_count,
  u.display_name AS creator_display_name, u.profile_slug AS creator_slug, u.avatar_url AS creator_avatar_url,
  u.is_verified AS creator_is_verified`;

/** Discoverable items `c` joined to their public, live creator `u` (the same predicate as the anon RLS policies). */
export const publicItems = (tx: Db) => tx`
  content_item c JOIN users u ON u.id = c.user_id AND u.is_public AND u.deleted_at IS NULL`;
export const isPublicItem = (tx: Db) => tx`c.visibility = 'public' AND c.deleted_at IS NULL`;

/** The filters shared by browse, search and trending, as AND-ed conditions on `c` / `u`. */
export function filterConditions(tx: Db, filters: ContentFilters) {
  return tx`
    ${filters.category ? tx`AND c.category_code = ${filters.category}` : tx``}
    ${filters.platform ? tx`AND c.platform_id = (SELECT p.id FROM platform p WHERE p.slug = ${filters.platform})` : tx``}
    ${filters.content_type ? tx`AND c.content_type_id = (SELECT t.id FROM content_type t WHERE t.slug = ${filters.content_type})` : tx``}
    ${filters.creator_slug ? tx`AND u.profile_slug = ${filters.creator_slug}` : tx``}`;
}

const page = (tx: Db, window: Window) => tx`OFFSET ${window.offset ?? 0} LIMIT ${window.limit + 1}`;

/**
 * Browse by recency (published_at desc, id desc) or popularity (views_count desc, id desc), after an optional
 * keyset. Walks the partial indexes content_item_public_[category_|platform_]recent/popular_idx. With an OFFSET the
 * page's ids are found first and only they get card columns, so skipped rows cost an index entry and a creator
 * probe, not a card (a keyset page goes without that second lookup: 0.25 vs 0.5 ms).
 */
export function browseContentQuery(tx: Db, params: ContentFilters & Window & { sort: ContentSort; after?: string[] }): Query<CardRow> {
  const { sort, after } = params;
  const keyset = !after ? tx``
    : sort === 'recent' ? tx`AND (c.published_at, c.id) < (${after[0]!}::text::timestamptz, ${after[1]!}::uuid)`
    : tx`AND (c.views_count, c.id) < (${after[0]!}::bigint, ${after[1]!}::uuid)`;
  const order = (alias: 'c' | 'k') => sort === 'recent'
    ? tx`${tx(alias)}.published_at DESC, ${tx(alias)}.id DESC` : tx`${tx(alias)}.views_count DESC, ${tx(alias)}.id DESC`;
  const matching = tx`
    FROM ${publicItems(tx)}
    WHERE ${isPublicItem(tx)} ${filterConditions(tx, params)} ${keyset}
    ORDER BY ${order('c')}
    ${page(tx, params)}`;
  if (!params.offset) return tx<CardRow[]>`SELECT ${cardColumns(tx)} ${matching}`;
  return tx<CardRow[]>`
    SELECT ${cardColumns(tx)}
    FROM (SELECT c.id, c.published_at, c.views_count ${matching}) k
    JOIN ${publicItems(tx)} ON c.id = k.id
    ORDER BY ${order('k')}`;
}

export interface TrendingRow extends CardRow {
  rank: number;
  trend_score: number;
}

/** The precomputed trending ranks of a period (refresh_trending_content), filtered like browse, after an optional rank. */
export function trendingQuery(tx: Db, params: ContentFilters & Window & { period: TrendingPeriod; afterRank?: number }): Query<TrendingRow> {
  return tx<TrendingRow[]>`
    SELECT ${cardColumns(tx)}, t.rank, t.trend_score::float8 AS trend_score
    FROM trending_content t
    JOIN ${publicItems(tx)} ON c.id = t.content_id
    WHERE t.period = ${params.period} AND ${isPublicItem(tx)}
      ${params.category ? tx`AND t.category_code = ${params.category}` : tx``}
      ${filterConditions(tx, params)}
      ${params.afterRank === undefined ? tx`` : tx`AND t.rank > ${params.afterRank}`}
    ORDER BY t.rank
    ${page(tx, params)}`;
}

export interface ScoredRow extends CardRow {
  score: number;
}
export type SearchSort = 'relevance' | 'recent' | 'popular';

/**
 * Full-text search over a bounded candidate set: search_content_candidates (007) returns the newest (relevance, recent)
 * or most viewed (popular) SEARCH_CANDIDATE_LIMIT matches with their ts_rank, using the GIN index, which anon
 * cannot use under RLS (@@ is not leakproof); this query orders and pages those candidates and reads each row as
 * anon, so RLS re-checks every item. Pages by (score, id), (published_at, id) or (views_count, id), descending.
 */
export function searchContentQuery(tx: Db, params: ContentFilters & Window & {
  q: string; sort: SearchSort; after?: string[];
}): Query<ScoredRow> {
  const { after } = params;
  const order = params.sort === 'relevance' ? tx`m.score DESC, m.id DESC`
    : params.sort === 'recent' ? tx`m.published_at DESC, m.id DESC` : tx`m.views_count DESC, m.id DESC`;
  const keyset = !after ? tx``
    : params.sort === 'relevance' ? tx`WHERE (m.score, m.id) < (${after[0]!}::float8, ${after[1]!}::uuid)`
    : params.sort === 'recent' ? tx`WHERE (m.published_at, m.id) < (${after[0]!}::text::timestamptz, ${after[1]!}::uuid)`
    : tx`WHERE (m.views_count, m.id) < (${after[0]!}::bigint, ${after[1]!}::uuid)`;
  return tx<ScoredRow[]>`
    SELECT ${cardColumns(tx)}, m.score
    FROM (
      SELECT m.id, m.published_at, m.views_count, m.score
      FROM search_content_candidates(${params.q}, ${params.sort === 'popular' ? 'popular' : 'recent'}, ${SEARCH_CANDIDATE_LIMIT},
             ${params.category ?? null}, ${params.platform ?? null}, ${params.content_type ?? null}, ${params.creator_slug ?? null}) m
      ${keyset}
      ORDER BY ${order}
      ${page(tx, params)}
    ) m
    JOIN ${publicItems(tx)} ON c.id = m.id
    WHERE ${isPublicItem(tx)}
    ORDER BY ${order}`;
}

/** For each query word unknown to the lexicon, the closest lexicon word (suggest_search_words, 007). */
export const correctWordsQuery = (tx: Db, words: string[]): Query<{ word: string; suggestion: string }> =>
  tx<{ word: string; suggestion: string }[]>`SELECT word, suggestion FROM suggest_search_words(${words}::text[])`;
