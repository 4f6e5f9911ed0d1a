/**
 * Demo data: creators, their social accounts and content, generated inside PostgreSQL (generate_series over word
 * arrays) so a million items cost only the database's own insert and indexing work, not a million rows shipped from
 * Node. Everything is written as service_role on an app-role connection (asMaintenance), so RLS and every trigger apply
 * exactly as for the sync workers.
 *
 * Deterministic: every value is a pure function of (seed, ordinal) through hashint8extended(), and ids are
 * md5(seed:kind:ordinal)::uuid, so the same seed and ordinals produce the same rows (only published_at and the like
 * are relative to `anchor`, which defaults to now). Ordinals let a second run add creators and items after the first
 * ones (`creatorStart`, `itemStart`) without colliding.
 */
import type { Sql, TransactionSql } from 'postgres';
import { asMaintenance, refreshDerivedData } from './refresh.ts';
import {
  CATEGORIES, TOPIC_COUNT, TOPICS, CHANNEL_NOUNS, BIO_LINES, FIRST_NAMES, LAST_NAMES, ADJECTIVES, FORMATS, HOOKS,
  VERBS, CTAS, LANGUAGES, PLATFORM_SLUGS, PLATFORM_TYPES, PLATFORM_URLS, PLATFORM_PROFILE_URLS, rareWords,
} from './demo-words.ts';

export { CATEGORIES, rareWords } from './demo-words.ts';

export interface DemoDataOptions {
  creators: number;
  items: number;
  seed?: number;
  /** First creator / item ordinal (1 for a fresh database; after the last demo ordinal to add more). */
  creatorStart?: number;
  itemStart?: number;
  /** Items per INSERT statement (one transaction each). */
  batchSize?: number;
  /** Connections inserting items at once (each needs one CPU for tsvector and trigram indexing). */
  parallel?: number;
  /** published_at is spread over the two years before this instant. */
  anchor?: Date;
  onProgress?: (progress: DemoProgress) => void;
}

export interface DemoProgress {
  phase: 'creators' | 'accounts' | 'items' | 'finish';
  done: number;
  total: number;
  rowsPerSecond: number;
  etaSeconds: number;
}

export interface DemoDataSummary {
  creators: number;
  accounts: number;
  items: number;
  tags: number;
  media: number;
  itemsPerSecond: number;
  seconds: number;
  /** Functions called after loading (refresh_trending_content and any lexicon/search refresh the schema has). */
  refreshed: string[];
}

/** Email domain of demo creators (reserved TLD: never deliverable); seed:demo finds earlier demo data by it. */
export const DEMO_EMAIL_DOMAIN = 'demo.streamvibe.invalid';
/** platform_content_id prefix of demo items. */
export const DEMO_ITEM_PREFIX = 'demo-';

const DEFAULT_BATCH_SIZE = 10_000;
const CREATOR_BATCH_SIZE = 5_000;
const TWO_YEARS_SECONDS = 730 * 86_400;

// ---------------------------------------------------------------------------------------------------------------
// Deterministic randomness in SQL: a uniform [0, 1) from (seed, key, salt). $1 is always the seed.
// ---------------------------------------------------------------------------------------------------------------
const u = (key: string, salt: number) =>
  `((hashint8extended((${key})::bigint, $1::bigint * 1000 + ${salt}) & 9007199254740991)::float8 / 9007199254740992.0)`;
/** 1-based pick from a SQL array expression of length `length`. */
const pick = (array: string, length: number | string, key: string, salt: number) =>
  `(${array})[1 + floor(${u(key, salt)} * ${length})::int]`;
const creatorId = (ordinal: string) => `md5($1::text || ':creator:' || (${ordinal}))::uuid`;
const accountId = (ordinal: string, k: string) => `md5($1::text || ':account:' || (${ordinal}) || ':' || (${k}))::uuid`;
const itemId = (ordinal: string) => `md5($1::text || ':item:' || (${ordinal}))::uuid`;
// Shared between the creator, account and item statements, so they agree about each creator.
const creatorCategory = (ordinal: string) => `floor(${u(ordinal, 1)} * ${CATEGORIES.length})::int`;
const creatorAccounts = (ordinal: string) => `(1 + floor(${u(ordinal, 2)} * 3)::int)`;
const creatorFirstPlatform = (ordinal: string) => `floor(${u(ordinal, 3)} * ${PLATFORM_SLUGS.length})::int`;

// ---------------------------------------------------------------------------------------------------------------
// Statements. Parameters: $1 seed, $2..$3 the ordinal range, then the word arrays each statement names.
// ---------------------------------------------------------------------------------------------------------------

/** $4 first names, $5 last names, $6 adjectives, $7 categories, $8 channel nouns, $9 bio lines, $10 anchor. */
const INSERT_CREATORS = `
WITH g AS (
  SELECT n, ${creatorCategory('n')} AS cat, ${u('n', 5)} AS r_kind, ${u('n', 6)} AS r_age, ${u('n', 7)} AS r_active,
         ${pick('$4::text[]', FIRST_NAMES.length, 'n', 8)} AS first_name, ${pick('$5::text[]', LAST_NAMES.length, 'n', 9)} AS last_name,
         ${pick('$6::text[]', ADJECTIVES.length, 'n', 10)} AS adjective
  FROM generate_series($2::bigint, $3::bigint) AS n
), named AS (
  SELECT g.*, CASE WHEN r_kind < 0.5 THEN first_name || ' ' || last_name
                   WHEN r_kind < 0.8 THEN adjective || ' ' || ($8::text[])[1 + cat]
                   ELSE first_name || ' ' || ($8::text[])[1 + cat] END AS display_name
  FROM g
), slugged AS (
  SELECT named.*, trim(both '-' from regexp_replace(lower(display_name), '[^a-z0-9]+', '-', 'g')) AS base_slug FROM named
)
INSERT INTO public.users (id, email, display_name, profile_slug, bio, avatar_url, website_url, primary_category, is_public,
                          is_verified, onboarded_at, last_active_at, created_at)
SELECT ${creatorId('n')}, 'creator-' || n || '@${DEMO_EMAIL_DOMAIN}', display_name,
       -- The first creator of a name gets the bare slug; later ones (and clashes with existing users) get -<ordinal>.
       CASE WHEN row_number() OVER (PARTITION BY base_slug ORDER BY n) = 1
                 AND NOT EXISTS (SELECT 1 FROM public.users x WHERE x.profile_slug = base_slug)
            THEN base_slug ELSE base_slug || '-' || n END,
       ($9::text[])[1 + cat] || CASE WHEN ${u('n', 11)} < 0.5 THEN ' New uploads every week.' ELSE ' Collabs: see my website.' END,
       'https://img.${DEMO_EMAIL_DOMAIN}/avatars/' || n || '.jpg',
       CASE WHEN ${u('n', 12)} < 0.3 THEN 'https://' || base_slug || '.example.com' END,
       ($7::text[])[1 + cat], ${u('n', 13)} < 0.92, ${u('n', 14)} < 0.05,
       $10::timestamptz - make_interval(days => 730 + floor(r_age * 365)::int),
       $10::timestamptz - make_interval(secs => r_active * 30 * 86400),
       $10::timestamptz - make_interval(days => 730 + floor(r_age * 365)::int)
FROM slugged`;

/**
 * Creators with more accounts than the free tier allows (012's trigger counts them) pay for Basic: without it their
 * third account is refused. $4 anchor.
 */
const INSERT_SUBSCRIPTIONS = `
INSERT INTO public.subscription (user_id, tier_id, status_id, created_at)
SELECT ${creatorId('n')}, t.id, s.id, $4::timestamptz - make_interval(days => 700)
FROM generate_series($2::bigint, $3::bigint) AS n, public.subscription_tier t, public.subscription_status s
WHERE ${creatorAccounts('n')} > (SELECT f.max_social_accounts FROM public.subscription_tier f WHERE f.slug = 'free')
  AND t.slug = 'basic' AND s.slug = 'active'`;

/** $4 platform ids, $5 the 'active' account status id, $6 profile URL prefixes, $7 anchor. */
const INSERT_ACCOUNTS = `
INSERT INTO public.social_account (id, user_id, platform_id, platform_account_id, handle, display_name, profile_url, avatar_url,
                                   bio, follower_count, following_count, status_id, is_primary, last_synced_at, created_at)
SELECT ${accountId('c.n', 'a.k')}, u.id, ($4::uuid[])[1 + x.p], 'demo-' || $1 || '-' || c.n || '-' || a.k, x.handle,
       u.display_name, ($6::text[])[1 + x.p] || x.handle, u.avatar_url, u.bio,
       -- Long tail: a creator's accounts share most of its popularity; median ~1k followers, top ~9M.
       floor(exp(3 + 13 * power(0.75 * ${u('c.n', 4)} + 0.25 * ${u('c.n * 8 + a.k', 15)}, 2.2)))::bigint,
       floor(${u('c.n * 8 + a.k', 16)} * 900)::bigint, $5::uuid, a.k = 0,
       $7::timestamptz - make_interval(secs => ${u('c.n * 8 + a.k', 17)} * 86400), u.created_at
FROM generate_series($2::bigint, $3::bigint) AS c(n)
JOIN public.users u ON u.id = ${creatorId('c.n')}
CROSS JOIN LATERAL generate_series(0, ${creatorAccounts('c.n')} - 1) AS a(k)
CROSS JOIN LATERAL (SELECT (${creatorFirstPlatform('c.n')} + a.k) % ${PLATFORM_SLUGS.length} AS p,
                           replace(u.profile_slug, '-', '_') AS handle) x`;

/**
 * Items with their tags and media, in one statement. $4 first creator ordinal, $5 creator count, $6 platform ids,
 * $7 content-type ids (4 slots per platform), $8 their slugs, $9 categories, $10 topics (16 per category),
 * $11 adjectives, $12 formats, $13 hooks, $14 verbs, $15 calls to action, $16 rare words, $17 languages, $18 anchor,
 * $19 item URL prefixes per platform, $20 category sentences.
 */
const INSERT_ITEMS = `
WITH g AS (
  SELECT s.n, s.c, s.k, (${creatorFirstPlatform('s.c')} + s.k) % ${PLATFORM_SLUGS.length} AS p,
         CASE WHEN ${u('s.n', 21)} < 0.7 THEN ${creatorCategory('s.c')} ELSE floor(${u('s.n', 22)} * ${CATEGORIES.length})::int END AS cat
  FROM (SELECT n, c, floor(${u('n', 20)} * ${creatorAccounts('c')})::int AS k
        -- Prolific creators: the first ordinals get most items (a power-law share).
        FROM (SELECT n, $4::bigint + floor($5::bigint * power(${u('n', 19)}, 1.6))::bigint AS c
              FROM generate_series($2::bigint, $3::bigint) AS n) a) s
), w AS (
  SELECT g.*,
         ($10::text[])[1 + cat * ${TOPIC_COUNT} + floor(${u('n', 23)} * ${TOPIC_COUNT})::int] AS topic1,
         -- topic2 and topic3 are offset 1-7 and 8-15 slots from topic1: three different topics.
         ($10::text[])[1 + cat * ${TOPIC_COUNT} + (floor(${u('n', 23)} * ${TOPIC_COUNT})::int + 1 + floor(${u('n', 24)} * 7)::int) % ${TOPIC_COUNT}] AS topic2,
         ($10::text[])[1 + cat * ${TOPIC_COUNT} + (floor(${u('n', 23)} * ${TOPIC_COUNT})::int + 8 + floor(${u('n', 25)} * 8)::int) % ${TOPIC_COUNT}] AS topic3,
         ${pick('$11::text[]', ADJECTIVES.length, 'n', 26)} AS adjective, ${pick('$12::text[]', FORMATS.length, 'n', 27)} AS format,
         ${pick('$13::text[]', HOOKS.length, 'n', 28)} AS hook, ${pick('$14::text[]', VERBS.length, 'n', 29)} AS verb,
         ${pick('$15::text[]', CTAS.length, 'n', 30)} AS cta,
         CASE WHEN ${u('n', 31)} < 0.06 THEN ${pick('$16::text[]', 'cardinality($16::text[])', 'n', 32)} END AS rare_title,
         CASE WHEN ${u('n', 33)} < 0.08 THEN ${pick('$16::text[]', 'cardinality($16::text[])', 'n', 34)} END AS rare_description,
         ${u('n', 35)} AS r_pattern, floor(${u('n', 36)} * 4)::int AS type_slot,
         ($8::text[])[1 + p * 4 + floor(${u('n', 36)} * 4)::int] AS type_slug, ${u('n', 37)} AS r_age, ${u('n', 38)} AS r_views,
         ${u('n', 39)} AS r_likes, ${u('n', 40)} AS r_visibility, ${u('n', 42)} AS r_tags, floor(${u('n', 43)} * 20)::int AS tag_start,
         ${u('n', 44)} AS r_media, ${u('n', 45)} AS r_duration, ${u('n', 46)} AS r_clicks, ${u('n', 47)} AS r_comments,
         ${u('n', 48)} AS r_shares, ${u('n', 49)} AS r_number, ${u('n', 50)} AS r_synced, ${u('n', 51)} AS r_ai
  FROM g
), r AS (
  SELECT w.n, w.cat, w.r_tags, w.tag_start, w.r_media, ${itemId('w.n')} AS id, ${accountId('w.c', 'w.k')} AS social_account_id,
         ${creatorId('w.c')} AS user_id, ($6::uuid[])[1 + p] AS platform_id, ($7::uuid[])[1 + p * 4 + type_slot] AS content_type_id,
         type_slug,
         CASE WHEN r_pattern < 0.35 THEN adjective || ' ' || topic1 || ' ' || format
              WHEN r_pattern < 0.60 THEN topic1 || ' ' || format || ': ' || hook
              WHEN r_pattern < 0.80 THEN 'How I ' || verb || ' ' || topic1 || ' in ' || (2 + floor(r_number * 29))::int || ' Days'
              ELSE 'Top ' || (3 + floor(r_number * 8))::int || ' ' || topic1 || ' Moments | ' || topic2 || ' ' || format
         END || coalesce(' #' || rare_title, '') AS title,
         'In this ' || CASE type_slug WHEN 'long_video' THEN 'video' WHEN 'short_video' THEN 'short' WHEN 'image' THEN 'photo'
                                     ELSE type_slug END || ' I cover ' || lower(topic1) || ', ' || lower(topic2) || ' and ' || lower(topic3) || '. '
           || ($20::text[])[1 + cat] || ' ' || coalesce('Featuring ' || rare_description || '. ', '') || cta AS description,
         ($19::text[])[1 + p] || substr(md5($1::text || ':url:' || w.n), 1, 11) AS url,
         ${pick('$17::text[]', LANGUAGES.length, 'w.n', 41)} AS language, ($9::text[])[1 + cat] AS category_code,
         CASE WHEN r_visibility < 0.96 THEN 'public' WHEN r_visibility < 0.98 THEN 'private' ELSE 'unlisted' END::public.visibility_enum AS visibility,
         -- Density ~ 1/sqrt(age): recent items are more likely (4% in the last day, 10% in the last week).
         $18::timestamptz - make_interval(secs => ${TWO_YEARS_SECONDS} * power(r_age, 2)) AS published_at,
         floor(exp(2 + 13 * power(r_views, 4)))::bigint AS views_count,
         r_likes, r_comments, r_shares, r_clicks, r_duration, r_synced, r_ai, r_visibility
  FROM w
), v AS (
  SELECT r.*, floor(views_count * (0.01 + 0.07 * r_likes))::bigint AS likes_count,
         least($18::timestamptz, published_at + make_interval(secs => r_synced * 7200)) AS created_at
  FROM r
), ins AS (
  INSERT INTO public.content_item (id, social_account_id, user_id, platform_id, content_type_id, platform_content_id, title,
    description, url, thumbnail_url, duration_seconds, language, category_code, visibility, published_at, views_count, likes_count,
    comments_count, shares_count, total_clicks, ai_processed_at, last_synced_at, created_at, updated_at, deleted_at)
  SELECT id, social_account_id, user_id, platform_id, content_type_id, '${DEMO_ITEM_PREFIX}' || $1 || '-' || n, title, description, url,
         'https://img.${DEMO_EMAIL_DOMAIN}/thumbs/' || n || '.jpg',
         CASE type_slug WHEN 'long_video' THEN 120 + floor(r_duration * 3480)::int WHEN 'short_video' THEN 6 + floor(r_duration * 54)::int
                        WHEN 'reel' THEN 6 + floor(r_duration * 84)::int WHEN 'story' THEN 5 + floor(r_duration * 10)::int END,
         language, category_code, visibility, published_at, views_count, likes_count,
         floor(likes_count * (0.02 + 0.15 * r_comments))::bigint, floor(likes_count * 0.1 * r_shares)::bigint,
         floor(views_count * 0.01 * r_clicks)::bigint, CASE WHEN r_ai < 0.9 THEN created_at END, created_at, created_at, created_at,
         -- 1% archived (soft-deleted) public items
         CASE WHEN r_visibility >= 0.95 AND r_visibility < 0.96 THEN created_at + interval '1 day' END
  FROM v
  RETURNING id
), tags AS (
  -- 0-8 distinct tags: a stride of 7 over the category's 16 topics + 4 generic tags visits 8 different slots.
  INSERT INTO public.content_tag (content_id, tag, source, tag_type, confidence_score, created_at)
  SELECT v.id, CASE WHEN slot < ${TOPIC_COUNT} THEN lower(($10::text[])[1 + v.cat * ${TOPIC_COUNT} + slot])
                    ELSE (ARRAY['tutorial', 'review', 'viral', 'howto'])[slot - ${TOPIC_COUNT - 1}] END,
         (ARRAY['platform', 'ai_generated', 'user'])[1 + t.k % 3], CASE WHEN t.k % 4 = 3 THEN 'hashtag' ELSE 'keyword' END,
         CASE WHEN t.k % 3 = 1 THEN round((0.6 + 0.4 * v.r_tags)::numeric, 3) END, v.created_at
  FROM v JOIN ins USING (id)
  CROSS JOIN LATERAL generate_series(0, floor(v.r_tags * 9)::int - 1) AS t(k)
  CROSS JOIN LATERAL (SELECT (v.tag_start + t.k * 7) % 20 AS slot) s
  RETURNING 1
), media AS (
  INSERT INTO public.content_media (content_id, media_type, url, width, height, mime_type, alt_text, sort_order, created_at)
  SELECT v.id, CASE WHEN v.type_slug = 'carousel' THEN 'image' ELSE 'thumbnail' END,
         'https://img.${DEMO_EMAIL_DOMAIN}/media/' || v.n || '-' || m.i || '.jpg',
         CASE WHEN v.type_slug = 'carousel' THEN 1080 ELSE 1280 END, CASE WHEN v.type_slug = 'carousel' THEN 1350 ELSE 720 END,
         'image/jpeg', left(v.title, 200), m.i, v.created_at
  FROM v JOIN ins USING (id)
  CROSS JOIN LATERAL generate_series(0, CASE WHEN v.type_slug = 'carousel' THEN 2 ELSE 0 END) AS m(i)
  WHERE v.r_media < 0.3 OR v.type_slug = 'carousel'
  RETURNING 1
)
SELECT (SELECT count(*) FROM ins)::int AS items, (SELECT count(*) FROM tags)::int AS tags, (SELECT count(*) FROM media)::int AS media`;

/** Counters the sync would keep: per account and per creator, for the demo rows only. */
const UPDATE_TOTALS = [`
UPDATE public.social_account sa SET content_count = x.items, total_views = x.views
FROM (SELECT social_account_id, count(*) AS items, sum(views_count) AS views FROM public.content_item
      WHERE deleted_at IS NULL AND platform_content_id LIKE '${DEMO_ITEM_PREFIX}%' GROUP BY social_account_id) x
WHERE sa.id = x.social_account_id`, `
UPDATE public.users u SET total_content = x.items, total_views = x.views
FROM (SELECT user_id, sum(content_count) AS items, sum(total_views) AS views FROM public.social_account
      WHERE deleted_at IS NULL AND platform_account_id LIKE 'demo-%' GROUP BY user_id) x
WHERE u.id = x.user_id`, `
INSERT INTO public.featured_creator (user_id, category_code, headline, position)
SELECT id, primary_category, 'Featured: ' || display_name, row_number() OVER (ORDER BY total_followers DESC, id)
FROM public.users u
WHERE email LIKE '%@${DEMO_EMAIL_DOMAIN}' AND is_public AND deleted_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM public.featured_creator f WHERE f.user_id = u.id)
ORDER BY total_followers DESC, id LIMIT 12`];

type Progress = NonNullable<DemoDataOptions['onProgress']>;

/** Reports progress at most every `intervalMs`, with rate and ETA over the whole phase. */
function progressMeter(phase: DemoProgress['phase'], total: number, onProgress: Progress | undefined, intervalMs = 1_000) {
  const startedAt = performance.now();
  let done = 0;
  let reportedAt = 0;
  return {
    add(rows: number, force = false) {
      done += rows;
      const now = performance.now();
      if (!onProgress || (!force && now - reportedAt < intervalMs && done < total)) return;
      reportedAt = now;
      const rowsPerSecond = done / Math.max((now - startedAt) / 1000, 1e-3);
      onProgress({ phase, done, total, rowsPerSecond, etaSeconds: rowsPerSecond > 0 ? (total - done) / rowsPerSecond : 0 });
    },
    get rowsPerSecond() {
      return done / Math.max((performance.now() - startedAt) / 1000, 1e-3);
    },
  };
}

/** Inclusive ordinal ranges [from, to] of at most `size` ordinals, in order. */
function* ranges(start: number, count: number, size: number): Generator<[number, number]> {
  for (let from = start; from < start + count; from += size) yield [from, Math.min(from + size, start + count) - 1];
}

async function lookupIds(tx: TransactionSql, table: 'platform' | 'content_type', slugs: readonly string[]): Promise<string[]> {
  const rows = await tx<{ slug: string; id: string }[]>`SELECT slug, id::text FROM ${tx('public')}.${tx(table)} WHERE slug IN ${tx(slugs)}`;
  const bySlug = new Map(rows.map((r) => [r.slug, r.id]));
  return slugs.map((slug) => {
    const id = bySlug.get(slug);
    if (!id) throw new Error(`demo data: no ${table} '${slug}' (are the migrations applied?)`);
    return id;
  });
}

/**
 * Generates creators (with 1-3 social accounts each) and content items (with tags and media) as service_role on
 * `app`, an app-role (streamvibe_app) client with at least `parallel` connections. Then refreshes trending and
 * any lexicon. It does not ANALYZE: only the owner may (run it on an owner connection afterwards).
 */
export async function generateDemoData(app: Sql, options: DemoDataOptions): Promise<DemoDataSummary> {
  const seed = options.seed ?? 42;
  const creatorStart = options.creatorStart ?? 1;
  const itemStart = options.itemStart ?? 1;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const parallel = Math.max(1, options.parallel ?? 2);
  const anchor = options.anchor ?? new Date();
  if (!Number.isInteger(seed) || seed < 0 || seed > 1e12) throw new Error('demo data: seed must be a non-negative integer');
  if (options.creators < 1 || options.items < 0) throw new Error('demo data: need at least one creator');
  const startedAt = performance.now();

  const { platformIds, typeIds, activeStatus } = await asMaintenance(app, async (tx) => ({
    platformIds: await lookupIds(tx, 'platform', PLATFORM_SLUGS),
    typeIds: await lookupIds(tx, 'content_type', PLATFORM_TYPES.flat()),
    activeStatus: (await tx<{ id: string }[]>`SELECT id::text FROM public.account_status WHERE slug = 'active'`)[0]?.id,
  }));
  if (!activeStatus) throw new Error("demo data: no account_status 'active'");

  let accounts = 0;
  const creatorMeter = progressMeter('creators', options.creators, options.onProgress);
  const accountMeter = progressMeter('accounts', options.creators, options.onProgress);
  for (const [from, to] of ranges(creatorStart, options.creators, CREATOR_BATCH_SIZE)) {
    await asMaintenance(app, async (tx) => {
      await tx.unsafe(INSERT_CREATORS, [seed, from, to, FIRST_NAMES, LAST_NAMES, ADJECTIVES, [...CATEGORIES], CHANNEL_NOUNS,
        BIO_LINES, anchor]);
    });
    creatorMeter.add(to - from + 1, to === creatorStart + options.creators - 1);
  }
  for (const [from, to] of ranges(creatorStart, options.creators, CREATOR_BATCH_SIZE)) {
    await asMaintenance(app, (tx) => tx.unsafe(INSERT_SUBSCRIPTIONS, [seed, from, to, anchor]));
    const result = await asMaintenance(app, (tx) =>
      tx.unsafe(INSERT_ACCOUNTS, [seed, from, to, platformIds, activeStatus, PLATFORM_PROFILE_URLS, anchor]));
    accounts += result.count;
    accountMeter.add(to - from + 1, to === creatorStart + options.creators - 1);
  }

  // Items: `parallel` connections take the next batch from one queue.
  const itemMeter = progressMeter('items', options.items, options.onProgress);
  const totals = { items: 0, tags: 0, media: 0 };
  const queue = ranges(itemStart, options.items, batchSize);
  const itemParams = (from: number, to: number) => [seed, from, to, creatorStart, options.creators, platformIds, typeIds,
    PLATFORM_TYPES.flat(), [...CATEGORIES], TOPICS.flat(), ADJECTIVES, FORMATS, HOOKS, VERBS, CTAS, rareWords(), LANGUAGES, anchor,
    PLATFORM_URLS, BIO_LINES];
  await Promise.all(Array.from({ length: parallel }, async () => {
    for (let next = queue.next(); !next.done; next = queue.next()) {
      const [from, to] = next.value;
      const [row] = await asMaintenance(app, (tx) => tx.unsafe<{ items: number; tags: number; media: number }[]>(INSERT_ITEMS,
        itemParams(from, to) as never[]));
      totals.items += row!.items;
      totals.tags += row!.tags;
      totals.media += row!.media;
      itemMeter.add(row!.items, totals.items === options.items);
    }
  }));
  const itemsPerSecond = itemMeter.rowsPerSecond;

  const finishMeter = progressMeter('finish', UPDATE_TOTALS.length + 1, options.onProgress, 0);
  for (const statement of UPDATE_TOTALS) {
    await asMaintenance(app, (tx) => tx.unsafe(statement));
    finishMeter.add(1);
  }
  const refreshed = await refreshDerivedData(app);
  finishMeter.add(1);

  return { creators: options.creators, accounts, ...totals, itemsPerSecond,
    seconds: (performance.now() - startedAt) / 1000, refreshed };
}

/** One progress line: "items  420,000 / 1,000,000  4,310 rows/s  ETA 2m14s". */
export function formatProgress(p: DemoProgress): string {
  const n = (value: number) => Math.round(value).toLocaleString('en-US');
  const eta = p.etaSeconds >= 60 ? `${Math.floor(p.etaSeconds / 60)}m${String(Math.round(p.etaSeconds % 60)).padStart(2, '0')}s`
    : `${Math.round(p.etaSeconds)}s`;
  if (p.phase === 'finish') return `finish   step ${p.done} / ${p.total} (counters, featured creators, refresh functions)`;
  return `${p.phase.padEnd(8)} ${n(p.done).padStart(11)} / ${n(p.total)}  ${n(p.rowsPerSecond).padStart(7)} rows/s  ETA ${eta}`;
}

/** Where the next demo run starts (after the highest creator and item ordinals already in the database). */
export async function nextDemoOrdinals(app: Sql): Promise<{ creators: number; items: number; creatorStart: number; itemStart: number }> {
  return asMaintenance(app, async (tx) => {
    const [row] = await tx<{ creators: number; items: number; max_creator: number; max_item: number }[]>`
      SELECT (SELECT count(*) FROM public.users WHERE email LIKE ${'%@' + DEMO_EMAIL_DOMAIN})::int AS creators,
             (SELECT coalesce(max(substring(email::text FROM '^creator-([0-9]+)@')::bigint), 0) FROM public.users
               WHERE email LIKE ${'%@' + DEMO_EMAIL_DOMAIN})::float8 AS max_creator,
             (SELECT count(*) FROM public.content_item WHERE platform_content_id LIKE ${DEMO_ITEM_PREFIX + '%'})::int AS items,
             (SELECT coalesce(max(substring(platform_content_id FROM '-([0-9]+)$')::bigint), 0) FROM public.content_item
               WHERE platform_content_id LIKE ${DEMO_ITEM_PREFIX + '%'})::float8 AS max_item`;
    return { creators: row!.creators, items: row!.items, creatorStart: row!.max_creator + 1, itemStart: row!.max_item + 1 };
  });
}

/** A few public demo creators' slugs to try: the most followed, then a few from the long tail. */
export async function sampleDemoSlugs(app: Sql, count = 5): Promise<{ slug: string; name: string; followers: number; items: number }[]> {
  return asMaintenance(app, (tx) => tx<{ slug: string; name: string; followers: number; items: number }[]>`
    (SELECT profile_slug AS slug, display_name AS name, total_followers::float8 AS followers, total_content::float8 AS items
     FROM public.users WHERE email LIKE ${'%@' + DEMO_EMAIL_DOMAIN} AND is_public AND deleted_at IS NULL AND total_content > 0
     ORDER BY total_followers DESC LIMIT ${Math.ceil(count / 2)})
    UNION
    (SELECT profile_slug, display_name, total_followers::float8, total_content::float8
     FROM public.users WHERE email LIKE ${'%@' + DEMO_EMAIL_DOMAIN} AND is_public AND deleted_at IS NULL AND total_content > 0
     ORDER BY total_content DESC LIMIT ${Math.floor(count / 2)})
    ORDER BY followers DESC`);
}
