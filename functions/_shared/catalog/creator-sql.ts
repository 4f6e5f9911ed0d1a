import { isoUtc, type Db, type Query, type Window } from './content-sql.ts';

/** SQL for creator discovery (browse and search). Creators are public, live users with a profile slug. */

/** Search ranks only the this-many most followed matching creators (see search_creator_candidates, 007). */
export const CREATOR_CANDIDATE_LIMIT = 100;

export type CreatorSort = 'followers' | 'recent' | 'popular' | 'featured';

export interface CreatorFilters {
  category?: string;
  verified_only?: boolean;
  min_followers?: number;
}

/** The public profile columns of a creator, as every creator query returns them. */
export interface CreatorProfileColumns {
  display_name: string | null;
  profile_slug: string;
  bio: string | null;
  avatar_url: string | null;
  website_url: string | null;
  primary_category: string | null;
  is_verified: boolean;
  total_followers: number;
  total_content: number;
  total_views: number;
  joined_at: string;
}

/** One creator card row; `key_id` and `key_created_at` are the keyset tie-breakers, not part of the response. */
export interface CreatorCardRow extends CreatorProfileColumns {
  platforms: string[];
  key_id: string;
}

/** The public card columns of creator `u`; never email, Stripe ids or onboarding state (anon has no grant on them). */
export const creatorCardColumns = (tx: Db) => tx`
  u.display_name, u.profile_slug, u.bio, u.avatar_url, u.website_url, u.primary_category, u.is_verified,
  u.total_followers::float8 AS total_followers, u.total_content::float8 AS total_content, u.total_views::float8 AS total_views,
  ${isoUtc(tx, tx`u.created_at`)} AS joined_at,
  ARRAY(SELECT p.slug FROM platform p
        WHERE EXISTS (SELECT 1 FROM social_account sa WHERE sa.user_id = u.id AND sa.platform_id = p.id AND sa.deleted_at IS NULL)
        ORDER BY p.sort_order) AS platforms,
  u.id AS key_id`;

const isListedCreator = (tx: Db) => tx`u.is_public AND u.deleted_at IS NULL AND u.profile_slug IS NOT NULL`;

function creatorFilterConditions(tx: Db, filters: CreatorFilters) {
  return tx`
    ${filters.category ? tx`AND u.primary_category = ${filters.category}` : tx``}
    ${filters.verified_only ? tx`AND u.is_verified` : tx``}
    ${filters.min_followers !== undefined ? tx`AND u.total_followers >= ${filters.min_followers}` : tx``}`;
}

/** The sort column of each creator ordering; ties go to the smaller id (the partial indexes are (column DESC, id)). */
const SORT_COLUMN = { followers: 'total_followers', recent: 'created_at', popular: 'total_views', featured: 'total_followers' } as const;

/**
 * Browse creators by followers, join date or total views (desc), ties by id (asc), after an optional keyset
 * (the sort value, id). Uses users_public_followers_idx / users_public_created_idx / users_public_views_idx.
 */
export function browseCreatorsQuery(tx: Db, params: CreatorFilters & Window & { sort: CreatorSort; after?: string[] }): Query<CreatorCardRow & { sort_key: string }> {
  if (params.sort === 'featured') return featuredCreatorsQuery(tx, params);
  const column = tx(`u.${SORT_COLUMN[params.sort]}`);
  // Parameters go as text: postgres.js would send a timestamptz parameter through Date, dropping microseconds.
  const cast = params.sort === 'recent' ? tx`text::timestamptz` : tx`text::bigint`;
  const after = params.after;
  // The redundant `column <= value` is what the index can start from; the OR then settles ties.
  const keyset = after
    ? tx`AND ${column} <= ${after[0]!}::${cast}
         AND (${column} < ${after[0]!}::${cast} OR (${column} = ${after[0]!}::${cast} AND u.id > ${after[1]!}::uuid))`
    : tx``;
  return tx<(CreatorCardRow & { sort_key: string })[]>`
    SELECT ${creatorCardColumns(tx)}, ${params.sort === 'recent' ? tx`${isoUtc(tx, tx`u.created_at`)}` : tx`${column}::text`} AS sort_key
    FROM users u
    WHERE ${isListedCreator(tx)} ${creatorFilterConditions(tx, params)} ${keyset}
    ORDER BY ${column} DESC, u.id
    OFFSET ${params.offset ?? 0} LIMIT ${params.limit + 1}`;
}

/**
 * The featured creators of one list (a category's, or the front page's without one) in the admins' order (position,
 * then id), after an optional keyset (position, id). The featured_creator_read policy admits only live entries within
 * their period whose creator is listed (public, live, not hidden), so the list changes the moment an entry starts,
 * ends or its creator is hidden.
 */
function featuredCreatorsQuery(tx: Db, params: CreatorFilters & Window & { after?: string[] }): Query<CreatorCardRow & { sort_key: string }> {
  const after = params.after;
  return tx<(CreatorCardRow & { sort_key: string })[]>`
    SELECT ${creatorCardColumns(tx)}, f.position::text AS sort_key
    FROM featured_creator f JOIN users u ON u.id = f.user_id
    WHERE ${isListedCreator(tx)} AND coalesce(f.category_code, '') = ${params.category ?? ''}
      ${creatorFilterConditions(tx, { ...params, category: undefined })}
      ${after ? tx`AND (f.position, u.id) > (${after[0]!}::integer, ${after[1]!}::uuid)` : tx``}
    ORDER BY f.position, u.id
    OFFSET ${params.offset ?? 0} LIMIT ${params.limit + 1}`;
}

export interface ScoredCreatorRow extends CreatorCardRow {
  score: number;
  followers_key: string;
}

/**
 * Creator search: search_creator_candidates (007) finds the CREATOR_CANDIDATE_LIMIT most followed public creators
 * whose name, slug or bio matches (or whose name is trigram-close), with a score; this orders them by (score desc,
 * followers desc, id), pages, and reads each creator as anon (RLS re-checks).
 */
export function searchCreatorsQuery(tx: Db, params: CreatorFilters & Window & { q: string; after?: string[] }): Query<ScoredCreatorRow> {
  const after = params.after;
  const keyset = after
    ? tx`WHERE (m.score < ${after[0]!}::float8)
            OR (m.score = ${after[0]!}::float8 AND m.total_followers < ${after[1]!}::bigint)
            OR (m.score = ${after[0]!}::float8 AND m.total_followers = ${after[1]!}::bigint AND m.id > ${after[2]!}::uuid)`
    : tx``;
  return tx<ScoredCreatorRow[]>`
    SELECT ${creatorCardColumns(tx)}, m.score, m.total_followers::text AS followers_key
    FROM (
      SELECT m.id, m.total_followers, m.score
      FROM search_creator_candidates(${params.q}, ${CREATOR_CANDIDATE_LIMIT}, ${params.category ?? null},
             ${params.verified_only ?? false}, ${params.min_followers ?? null}) m
      ${keyset}
      ORDER BY m.score DESC, m.total_followers DESC, m.id
      OFFSET ${params.offset ?? 0} LIMIT ${params.limit + 1}
    ) m
    JOIN users u ON u.id = m.id
    WHERE ${isListedCreator(tx)}
    ORDER BY m.score DESC, m.total_followers DESC, m.id`;
}
