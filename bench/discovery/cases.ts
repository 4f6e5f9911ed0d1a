/**
 * The benchmarked discovery requests. Each case is the same request three ways:
 *  - gateway:  GET `path` through the local gateway over HTTP, from a separate load process (http-load.ts);
 *  - rawAnon:  the SQL the handler runs (the builders exported by functions/discovery/queries.ts, with the same
 *              arguments), on postgres.js as anon in one transaction, tuned like the handler (readAsAnon);
 *  - rawNoRls: the same SQL on a service_role session (policies are `true`), without a transaction: one round trip,
 *              default planner settings, as the FIELD-NOTES best-case figures were measured.
 */
import postgres, { type Sql } from 'postgres';
import { quiet } from '../../db/bootstrap.ts';
import { CATEGORIES, rareWords } from '../../local/demo-data.ts';
import {
  browseContentQuery, correctWordsQuery, creatorPageQuery, readAsAnon, searchContentQuery, trendingQuery,
  type ContentFilters, type Db, type Query,
} from '../../functions/discovery/queries.ts';
import { applyCorrections, correctableWords } from '../../functions/discovery/spelling.ts';
import { asService } from '../../db/context.ts';

export interface BenchCase {
  name: string;
  /** FIELD-NOTES "Discovery queries at 1M content items" (raw SQL, prepared, no RLS) at 1 and 8 connections. */
  reference: { one: string; eight: string };
  /** Size of the gateway's JSON answer (serialised and sent on every request). */
  responseBytes: number;
  /** The floor is context, not a query: no goals are checked on it. */
  floor?: boolean;
  /** Goal checked in the report: common-term search p95 ≤ 10 ms. */
  p95GoalMs?: number;
  /** The gateway request (measured from the load process, http-load.ts). */
  path: string;
  rawAnon(): Promise<unknown>;
  rawNoRls(): Promise<unknown>;
  /** The request's SQL (what rawAnon runs inside readAsAnon), for auto_explain. */
  statement: Statement;
  /** The case's main statement, for a plain EXPLAIN when auto_explain is not available. */
  explain(tx: Db): AnyQuery;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any query's rows: only nested in EXPLAIN
type AnyQuery = Query<any>;
/** One request's SQL on a connection or transaction: a builder's query, or the handler's sequence of them. */
export type Statement = (tx: Db) => PromiseLike<unknown>;

const CATEGORY = 'gaming' satisfies (typeof CATEGORIES)[number];
const BROWSE_LIMIT = 50;   // FIELD-NOTES measured LIMIT 50 pages
const LIST_LIMIT = 20;     // the API's default page size (search, trending, creator page)
const DEEP_PAGE = 21;      // FIELD-NOTES: "keyset page 21 vs OFFSET 1000"
const COMMON_TERM = 'tutorial';
const MISSPELLED_TERM = 'tutoral';
const CREATOR_PAGE_ITEMS = 20;

const NA = 'n/a (measured with a category)';
const REF = {
  recentCategory: { one: 'p50 0.41 / p95 0.55', eight: 'p50 2.1 / p95 5.0, 2.8k q/s' },
  popularCategory: { one: 'p50 0.30 / p95 0.45', eight: 'p50 1.9 / p95 4.7, 3.0k q/s' },
  trending: { one: 'p50 0.6–0.7', eight: 'p50 3.7 / p95 7.9' },
  keyset: { one: 'p50 0.39 (OFFSET 1000: 1.34)', eight: 'p50 2.2 (OFFSET 1000: 4.9)' },
  offset: { one: 'p50 1.34', eight: 'p50 4.9' },
  creator: { one: 'p50 0.35', eight: 'p50 1.2' },
  rare: { one: 'p50 0.33', eight: 'p50 1.3' },
  common: { one: 'p50 0.61 newest-first (185 ranking all hits)', eight: 'p50 2.5 newest-first (445 ranking all hits)' },
  misspelled: { one: 'p50 0.42 lexicon (200 trigram on titles)', eight: 'p50 1.35 lexicon (598 trigram on titles)' },
};

/** The handler's search: the query, and when the first page is empty, the lexicon's spelling of it (queries.ts searchContent). */
async function searchLikeTheHandler(tx: Db, q: string, filters: ContentFilters = {}) {
  const search = (text: string) => searchContentQuery(tx, { ...filters, q: text, sort: 'relevance', limit: LIST_LIMIT });
  const rows = await search(q);
  if (rows.length > 0) return rows;
  const corrected = applyCorrections(q, await correctWordsQuery(tx, correctableWords(q)));
  return corrected === q ? rows : search(corrected);
}

/** GET over keep-alive (undici's default pool); anything but 200 is a failure. */
const getter = (baseUrl: string) => async (path: string) => {
  const response = await fetch(`${baseUrl}${path}`);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET ${path} → ${response.status} ${text.slice(0, 200)}`);
  return text;
};

/** The cases against this data set and gateway: finds real inputs (rare term, creator, page-21 cursor) first. */
export async function buildCases(options: { app: Sql; appUrl: string; gatewayUrl: string; maxConcurrency: number }) {
  const { app } = options;
  const get = getter(options.gatewayUrl);
  // Session-level role for the no-RLS path: a startup parameter, so every pooled connection is service_role.
  const service = postgres(options.appUrl, { max: options.maxConcurrency, ...quiet, connection: { role: 'service_role' } as never });
  try {
    return await buildWith(app, get, service);
  } catch (error) {
    await service.end();
    throw error;
  }
}

async function buildWith(app: Sql, get: ReturnType<typeof getter>, service: Sql) {
  const anon = (build: Statement) => () => readAsAnon(app, (tx) => Promise.resolve(build(tx)));
  const bare = (build: Statement) => () => Promise.resolve(build(service));

  // Inputs that exist in this data set: a rare word with hits, a prolific public creator, the page-21 cursor.
  const { rareTerm, creatorSlug, creatorItems, typicalSlug, typicalItems } = await asService(app, async (tx) => {
    let rare: string | undefined;
    for (const word of rareWords().slice(0, 40)) {
      const [hit] = await tx`SELECT 1 FROM content_item WHERE search_vector @@ to_tsquery('english', ${word}) LIMIT 1`;
      if (hit) { rare = word; break; }
    }
    // The most prolific public creator (the worst case for the creator page) and a median one.
    const creators = await tx<{ slug: string; items: number }[]>`
      (SELECT profile_slug AS slug, total_content::float8 AS items FROM users
       WHERE is_public AND deleted_at IS NULL AND profile_slug IS NOT NULL ORDER BY total_content DESC, id LIMIT 1)
      UNION ALL
      (SELECT profile_slug, total_content::float8 FROM users
       WHERE is_public AND deleted_at IS NULL AND profile_slug IS NOT NULL AND total_content > 0
       ORDER BY total_content, id
       OFFSET (SELECT count(*) / 2 FROM users WHERE is_public AND deleted_at IS NULL AND profile_slug IS NOT NULL AND total_content > 0)
       LIMIT 1)`;
    return { rareTerm: rare ?? 'velorin', creatorSlug: creators[0]?.slug ?? 'nobody', creatorItems: creators[0]?.items ?? 0,
      typicalSlug: creators[1]?.slug ?? 'nobody', typicalItems: creators[1]?.items ?? 0 };
  });
  let cursor: string | undefined;
  for (let page = 1; page < DEEP_PAGE; page += 1) {
    const body = JSON.parse(await get(`/browse-content?sort=recent&category=${CATEGORY}&limit=${BROWSE_LIMIT}` +
      (cursor ? `&cursor=${cursor}` : ''))) as { page: { next_cursor: string | null } };
    cursor = body.page.next_cursor ?? undefined;
    if (!cursor) throw new Error(`bench: only ${page} pages of ${CATEGORY}; generate more items`);
  }
  // The cursor is ['recent', published_at, id] as base64url JSON (functions/discovery/keyset.ts).
  const [, ...afterKey] = JSON.parse(Buffer.from(cursor!, 'base64url').toString('utf8')) as string[];
  const misspelled = JSON.parse(await get(`/search-content?q=${MISSPELLED_TERM}`)) as { did_you_mean: string | null; items: unknown[] };
  const rare = JSON.parse(await get(`/search-content?q=${rareTerm}`)) as { items: unknown[] };

  const browse = (sort: 'recent' | 'popular', filters: ContentFilters, extra: { after?: string[]; offset?: number } = {}) =>
    (tx: Db) => browseContentQuery(tx, { ...filters, ...extra, sort, limit: BROWSE_LIMIT });
  const trending = (period: 'today' | 'week', filters: ContentFilters, limit: number) =>
    (tx: Db) => trendingQuery(tx, { ...filters, period, limit });
  const creatorPage = (slug: string) => (tx: Db) => creatorPageQuery(tx, slug, CREATOR_PAGE_ITEMS);
  const search = (q: string) => (tx: Db) => searchLikeTheHandler(tx, q);
  const searchExplain = (q: string) => (tx: Db) => searchContentQuery(tx, { q, sort: 'relevance', limit: LIST_LIMIT });

  const c = (name: string, reference: BenchCase['reference'], path: string, build: Statement,
    explain: (tx: Db) => AnyQuery, p95GoalMs?: number): BenchCase => ({
    name, reference, p95GoalMs, responseBytes: 0, path, rawAnon: anon(build), rawNoRls: bare(build), statement: build,
    explain,
  });
  const b = `limit=${BROWSE_LIMIT}`;
  const cat = { category: CATEGORY };
  const list: BenchCase[] = [
    // The floor: the gateway and handler stack with no SQL, a transaction with nothing in it, one round trip.
    { ...c('floor: GET /robots.txt (no SQL) vs SELECT 1', { one: 'PK lookup p50 0.20', eight: 'PK lookup p50 0.39' },
      '/robots.txt', (tx) => tx`SELECT 1`, (tx) => tx`SELECT 1`), floor: true },
    c('browse recent', { one: NA, eight: NA }, `/browse-content?sort=recent&${b}`, browse('recent', {}), browse('recent', {})),
    c(`browse recent, ${CATEGORY}`, REF.recentCategory, `/browse-content?sort=recent&category=${CATEGORY}&${b}`,
      browse('recent', cat), browse('recent', cat)),
    c('browse popular', { one: NA, eight: NA }, `/browse-content?sort=popular&${b}`, browse('popular', {}), browse('popular', {})),
    c(`browse popular, ${CATEGORY}`, REF.popularCategory, `/browse-content?sort=popular&category=${CATEGORY}&${b}`,
      browse('popular', cat), browse('popular', cat)),
    c('browse trending (week)', REF.trending, `/browse-content?sort=trending&${b}`, trending('week', {}, BROWSE_LIMIT),
      trending('week', {}, BROWSE_LIMIT)),
    c(`browse trending (week), ${CATEGORY}`, REF.trending, `/browse-content?sort=trending&category=${CATEGORY}&${b}`,
      trending('week', cat, BROWSE_LIMIT), trending('week', cat, BROWSE_LIMIT)),
    c(`browse recent, ${CATEGORY}, keyset page ${DEEP_PAGE}`, REF.keyset,
      `/browse-content?sort=recent&category=${CATEGORY}&${b}&cursor=${cursor}`, browse('recent', cat, { after: afterKey }),
      browse('recent', cat, { after: afterKey })),
    c(`browse recent, ${CATEGORY}, OFFSET ${(DEEP_PAGE - 1) * BROWSE_LIMIT}`, REF.offset,
      `/browse-content?sort=recent&category=${CATEGORY}&${b}&offset=${(DEEP_PAGE - 1) * BROWSE_LIMIT}`,
      browse('recent', cat, { offset: (DEEP_PAGE - 1) * BROWSE_LIMIT }), browse('recent', cat, { offset: (DEEP_PAGE - 1) * BROWSE_LIMIT })),
    c(`search common "${COMMON_TERM}"`, REF.common, `/search-content?q=${COMMON_TERM}`, search(COMMON_TERM),
      searchExplain(COMMON_TERM), 10),
    c(`search rare "${rareTerm}"`, REF.rare, `/search-content?q=${rareTerm}`, search(rareTerm), searchExplain(rareTerm)),
    c(`search misspelled "${MISSPELLED_TERM}"`, REF.misspelled, `/search-content?q=${MISSPELLED_TERM}`, search(MISSPELLED_TERM),
      (tx) => correctWordsQuery(tx, [MISSPELLED_TERM])),
    c('get-trending (today)', REF.trending, '/get-trending', trending('today', {}, LIST_LIMIT), trending('today', {}, LIST_LIMIT)),
    c(`get-creator-by-slug (most items: ${creatorItems})`, REF.creator, `/get-creator-by-slug?slug=${creatorSlug}`,
      creatorPage(creatorSlug), creatorPage(creatorSlug)),
    c(`get-creator-by-slug (median: ${typicalItems} items)`, REF.creator, `/get-creator-by-slug?slug=${typicalSlug}`,
      creatorPage(typicalSlug), creatorPage(typicalSlug)),
  ];
  for (const bc of list) bc.responseBytes = Buffer.byteLength(await get(bc.path));
  const notes = [
    `inputs: category ${CATEGORY}; browse pages of ${BROWSE_LIMIT}, others ${LIST_LIMIT}; rare term "${rareTerm}" ` +
      `(${rare.items.length} items on page 1); misspelled "${MISSPELLED_TERM}" → did_you_mean ${JSON.stringify(misspelled.did_you_mean)} ` +
      `(${misspelled.items.length} items; three statements: search, suggest_search_words, search again); creators ${creatorSlug}, ${typicalSlug}`,
  ];
  return { list, notes, close: () => service.end() };
}
