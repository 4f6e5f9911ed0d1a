-- 007 discovery search: what the public discovery API needs beyond the seed's modules.
--
-- Schema `search` (service side only; public keeps exactly the seed's 38 tables, and anon/authenticated get no
-- USAGE here):
--   * search.lexicon: the words of public titles, for "did you mean" (typo correction against ~20k words with a
--     trigram index instead of a trigram scan of 1M titles), rebuilt by search.refresh_lexicon() on a schedule;
--   * search.refresh_category_counts(): per-category item counts cached in cache_store (an exact count over 1M rows
--     on every request is what FIELD-NOTES measured at 93-500 ms);
--   * search.refresh_creator_stats(): users.total_content / total_views, which nothing else maintains.
-- In public, the four functions the anonymous API calls, each SECURITY DEFINER and bounded:
--   * search_content_candidates() / search_creator_candidates(): the bounded candidate sets of full-text search;
--   * suggest_search_words(): the closest lexicon word for each unknown query word;
--   * discovery_category_counts(): the cached counts, recomputed at most once per TTL.
-- Plus partial indexes on users for creator search and the "popular" creator sort.
--
-- Why search runs its index lookup in SECURITY DEFINER functions: under the anon RLS policies every user predicate
-- that is not LEAKPROOF must be evaluated after the policy, so it can never be an index condition. The full-text
-- (@@) and trigram (%, <%) operators are not leakproof (and only a superuser can mark them), so as anon the GIN
-- indexes are unusable and a rare term scans every public row (measured: 0.86 s at 200k items vs 4.7 ms through the
-- index). The candidate functions apply the discovery predicate themselves (public, live item of a public, live
-- creator), return only ids, sort keys and scores of such rows, and are bounded; the API then reads the rows as anon
-- through RLS, which re-checks each one.

CREATE SCHEMA IF NOT EXISTS search;
REVOKE ALL ON SCHEMA search FROM PUBLIC;
GRANT USAGE ON SCHEMA search TO service_role, streamvibe_definer;
-- Owning a function in a schema requires CREATE on it.
GRANT CREATE ON SCHEMA search TO streamvibe_definer;

-- ---------------------------------------------------------------------------------------------
-- The lexicon
-- ---------------------------------------------------------------------------------------------
-- Surface words (lower-cased, unstemmed, no stop words) of the titles of discoverable items, with how many
-- titles contain each. Only public, live items of public creators feed it: a suggestion must never reveal a
-- word of private content.
CREATE TABLE search.lexicon (
  word        text PRIMARY KEY CHECK (char_length(word) BETWEEN 3 AND 40),
  ndoc        integer NOT NULL CHECK (ndoc > 0),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lexicon_word_trgm_idx ON search.lexicon USING gin (word extensions.gin_trgm_ops);

GRANT SELECT, INSERT, UPDATE, DELETE ON search.lexicon TO service_role;
ALTER TABLE search.lexicon ENABLE ROW LEVEL SECURITY;
ALTER TABLE search.lexicon FORCE ROW LEVEL SECURITY;
CREATE POLICY lexicon_service ON search.lexicon TO service_role USING (true) WITH CHECK (true);
-- API callers reach the lexicon only through public.suggest_search_words().

-- Rebuilds the lexicon from the current titles (schedule: daily; ts_stat reads every public title, seconds at
-- 1M items). Unchanged words are not rewritten. Returns the number of words in the lexicon.
CREATE FUNCTION search.refresh_lexicon() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  word_count integer;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('streamvibe.refresh_lexicon'));
  WITH fresh AS MATERIALIZED (
    SELECT s.word, s.ndoc
    FROM ts_stat($q$
      SELECT to_tsvector('simple'::regconfig, c.title)
      FROM public.content_item c
      JOIN public.users u ON u.id = c.user_id AND u.is_public AND u.deleted_at IS NULL
      WHERE c.visibility = 'public' AND c.deleted_at IS NULL
    $q$) s
    WHERE char_length(s.word) BETWEEN 3 AND 40
      AND s.word ~ '^[[:alpha:]]+$'
      AND numnode(plainto_tsquery('english'::regconfig, s.word)) > 0  -- not an English stop word
  ), gone AS (
    DELETE FROM search.lexicon l WHERE NOT EXISTS (SELECT 1 FROM fresh f WHERE f.word = l.word)
  )
  INSERT INTO search.lexicon AS l (word, ndoc)
  SELECT f.word, f.ndoc FROM fresh f
  ON CONFLICT (word) DO UPDATE SET ndoc = EXCLUDED.ndoc, updated_at = now() WHERE l.ndoc <> EXCLUDED.ndoc;
  SELECT count(*)::integer INTO word_count FROM search.lexicon;
  RETURN word_count;
END $$;
ALTER FUNCTION search.refresh_lexicon() OWNER TO streamvibe_definer;

-- For each query word that is not in the lexicon (and is not a stop word), the most similar lexicon word
-- (trigram similarity >= 0.2 through the GIN index, then the most frequent). At most 10 words of 3-40 characters
-- are looked at, so a caller cannot make it scan. Words must be lower-case.
CREATE FUNCTION public.suggest_search_words(p_words text[]) RETURNS TABLE (word text, suggestion text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' SET pg_trgm.similarity_threshold = '0.2' AS $$
  SELECT w.word, s.word
  FROM unnest(p_words[1:10]) AS w(word)
  CROSS JOIN LATERAL (
    SELECT l.word FROM search.lexicon l
    WHERE l.word OPERATOR(extensions.%) w.word
    ORDER BY extensions.similarity(l.word, w.word) DESC, l.ndoc DESC, l.word
    LIMIT 1
  ) s
  WHERE char_length(w.word) BETWEEN 3 AND 40
    AND numnode(plainto_tsquery('english'::regconfig, w.word)) > 0
    AND NOT EXISTS (SELECT 1 FROM search.lexicon k WHERE k.word = w.word)
$$;
ALTER FUNCTION public.suggest_search_words(text[]) OWNER TO streamvibe_definer;

-- ---------------------------------------------------------------------------------------------
-- Category counts (cached in cache_store)
-- ---------------------------------------------------------------------------------------------
-- Recomputes the number of discoverable items per category and caches it for p_ttl_seconds (schedule: every few
-- minutes, so requests rarely pay for it). Returns the cached value. Its planner settings are its own: it can run
-- inside an API transaction tuned for LIMIT queries (small work_mem, no hash joins), and it aggregates every item.
CREATE FUNCTION search.refresh_category_counts(p_ttl_seconds integer DEFAULT 600) RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' SET work_mem = '32MB' SET enable_hashjoin = on SET enable_mergejoin = on AS $$
DECLARE
  counts jsonb;
BEGIN
  IF p_ttl_seconds IS NULL OR p_ttl_seconds NOT BETWEEN 1 AND 86400 THEN
    RAISE EXCEPTION 'ttl must be 1..86400 seconds, got %', p_ttl_seconds USING ERRCODE = '22023';
  END IF;
  SELECT jsonb_build_object('computed_at', now(), 'counts', coalesce(jsonb_object_agg(x.category_code, x.n), '{}'))
  INTO counts
  FROM (
    SELECT c.category_code, count(*) AS n
    FROM public.content_item c
    JOIN public.users u ON u.id = c.user_id AND u.is_public AND u.deleted_at IS NULL
    WHERE c.visibility = 'public' AND c.deleted_at IS NULL AND c.category_code IS NOT NULL
    GROUP BY c.category_code
  ) x;
  INSERT INTO public.cache_store AS s (key, value, expires_at)
  VALUES ('discovery:category_counts', counts, now() + make_interval(secs => p_ttl_seconds))
  ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at, updated_at = now();
  RETURN counts;
END $$;
ALTER FUNCTION search.refresh_category_counts(integer) OWNER TO streamvibe_definer;

-- The cached counts for public callers: fresh from the cache, or recomputed once (concurrent callers wait for the
-- first and then read its result). The TTL is fixed here so a caller cannot force a recount.
CREATE FUNCTION public.discovery_category_counts() RETURNS jsonb
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  cached jsonb;
BEGIN
  SELECT s.value INTO cached FROM public.cache_store s WHERE s.key = 'discovery:category_counts' AND s.expires_at > now();
  IF cached IS NULL THEN
    PERFORM pg_advisory_xact_lock(hashtext('streamvibe.category_counts'));
    SELECT s.value INTO cached FROM public.cache_store s WHERE s.key = 'discovery:category_counts' AND s.expires_at > now();
    IF cached IS NULL THEN
      cached := search.refresh_category_counts(600);
    END IF;
  END IF;
  RETURN cached;
END $$;
ALTER FUNCTION public.discovery_category_counts() OWNER TO streamvibe_definer;

-- ---------------------------------------------------------------------------------------------
-- Creator statistics and creator search
-- ---------------------------------------------------------------------------------------------
-- Recomputes users.total_content (discoverable items) and users.total_views (the live social accounts' view
-- totals, as total_followers sums their followers) for every user; rewrites only rows that changed (schedule:
-- hourly). Returns how many users changed.
CREATE FUNCTION search.refresh_creator_stats() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  changed integer;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('streamvibe.refresh_creator_stats'));
  UPDATE public.users u SET total_content = s.total_content, total_views = s.total_views
  FROM (
    SELECT x.id, coalesce(c.n, 0) AS total_content, coalesce(v.total, 0) AS total_views
    FROM public.users x
    LEFT JOIN (SELECT ci.user_id, count(*) AS n FROM public.content_item ci
               WHERE ci.visibility = 'public' AND ci.deleted_at IS NULL GROUP BY ci.user_id) c ON c.user_id = x.id
    LEFT JOIN (SELECT sa.user_id, sum(sa.total_views) AS total FROM public.social_account sa
               WHERE sa.deleted_at IS NULL GROUP BY sa.user_id) v ON v.user_id = x.id
  ) s
  WHERE u.id = s.id AND (u.total_content, u.total_views) IS DISTINCT FROM (s.total_content, s.total_views);
  GET DIAGNOSTICS changed = ROW_COUNT;
  RETURN changed;
END $$;
ALTER FUNCTION search.refresh_creator_stats() OWNER TO streamvibe_definer;

-- Discovery lists only public, live creators: partial indexes keep these small (50k users, not 1M items).
-- What creator search matches: name and slug words (weight A) and bio (weight B). public.search_creator_candidates
-- repeats this expression exactly (with u. qualifiers), which is what lets it use the index.
CREATE INDEX users_public_search_idx ON users USING gin (
  (setweight(to_tsvector('english'::regconfig, coalesce(display_name, '')), 'A')
   || setweight(to_tsvector('english'::regconfig, replace(coalesce(profile_slug, ''), '-', ' ')), 'A')
   || setweight(to_tsvector('english'::regconfig, coalesce(bio, '')), 'B')))
  WHERE is_public AND deleted_at IS NULL;
CREATE INDEX users_public_display_name_trgm_idx ON users USING gin (display_name extensions.gin_trgm_ops)
  WHERE is_public AND deleted_at IS NULL;
CREATE INDEX users_public_views_idx ON users (total_views DESC, id) WHERE is_public AND deleted_at IS NULL;
-- A creator's public items, newest first: creator pages and browse-content?creator_slug= walk it and stop after a page
-- instead of sorting all of a prolific creator's items (bench at 1M: 3.4 ms -> 0.28 ms for a creator with 1,109 items).
CREATE INDEX content_item_public_creator_recent_idx ON content_item (user_id, published_at DESC, id DESC)
  WHERE visibility = 'public' AND deleted_at IS NULL;

-- ---------------------------------------------------------------------------------------------
-- Search candidates
-- ---------------------------------------------------------------------------------------------
-- The newest (p_order 'recent') or most viewed ('popular') p_limit discoverable items matching websearch query
-- p_query and the optional filters, with their ts_rank. Two strategies, chosen from the planner's estimate of
-- the term's hits (one EXPLAIN, well under a millisecond):
--   * rare terms (estimated hits <= sqrt(p_limit x items), where both strategies read about as many rows):
--     the GIN index alone, then sort the hits. The discovery predicate is written so that it cannot prove a
--     partial btree index, because the planner otherwise ANDs the GIN bitmap with a bitmap of every public item
--     just to apply the index predicate (measured: 15 ms of a 38 ms query at 200k items);
--   * common terms: walk the recency / popularity partial index and test each row until p_limit match (bitmap
--     scans off for that one statement), so the cost is ~p_limit / hit-rate rows, not every hit.
-- Creators are probed by primary key (nested loop), never hashed whole.
CREATE FUNCTION public.search_content_candidates(p_query text, p_order text, p_limit integer, p_category text DEFAULT NULL,
                                                 p_platform text DEFAULT NULL, p_content_type text DEFAULT NULL,
                                                 p_creator_slug text DEFAULT NULL)
RETURNS TABLE (id uuid, published_at timestamptz, views_count bigint, score double precision)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' SET work_mem = '4MB' SET enable_hashjoin = off SET enable_mergejoin = off
SET enable_bitmapscan = on ROWS 200 AS $$
DECLARE
  tsq tsquery;
  plan jsonb;
  estimated_hits double precision;
  items double precision;
  rare boolean;
BEGIN
  IF p_query IS NULL OR char_length(p_query) > 200 THEN
    RAISE EXCEPTION 'search query must be at most 200 characters' USING ERRCODE = '22023';
  END IF;
  IF p_order IS NULL OR p_order NOT IN ('recent', 'popular') THEN
    RAISE EXCEPTION 'candidate order must be recent or popular, got %', p_order USING ERRCODE = '22023';
  END IF;
  IF p_limit IS NULL OR p_limit NOT BETWEEN 1 AND 1000 THEN
    RAISE EXCEPTION 'candidate limit must be between 1 and 1000, got %', p_limit USING ERRCODE = '22023';
  END IF;
  tsq := websearch_to_tsquery('english'::regconfig, p_query);
  IF numnode(tsq) = 0 THEN
    RETURN;  -- only stop words or punctuation: nothing can match
  END IF;

  EXECUTE 'EXPLAIN (FORMAT JSON) SELECT 1 FROM public.content_item c WHERE c.search_vector @@ $1' INTO plan USING tsq;
  estimated_hits := (plan -> 0 -> 'Plan' ->> 'Plan Rows')::double precision;
  SELECT greatest(c.reltuples, 1) INTO items FROM pg_catalog.pg_class c WHERE c.oid = 'public.content_item'::regclass;

  rare := estimated_hits <= sqrt(p_limit * items);
  IF NOT rare THEN
    PERFORM set_config('enable_bitmapscan', 'off', true);  -- undone when the function returns (SET clause above)
  END IF;

  -- A rare term's hits are sorted first and only the newest 2 x p_limit are checked against their creator; a
  -- walk checks the creator of each match as it goes (it stops after p_limit).
  RETURN QUERY EXECUTE format($sql$
    SELECT k.id, k.published_at, k.views_count, ts_rank(k.search_vector, $1)::double precision
    FROM (
      SELECT c.id, c.published_at, c.views_count, c.search_vector, c.user_id
      FROM public.content_item c %s
      WHERE %s AND c.search_vector @@ $1 %s %s %s %s
      ORDER BY %s
      LIMIT $7
    ) k
    JOIN public.users u ON u.id = k.user_id AND u.is_public AND u.deleted_at IS NULL
    ORDER BY %s
    LIMIT $6 $sql$,
    CASE WHEN rare THEN '' ELSE 'JOIN public.users w ON w.id = c.user_id AND w.is_public AND w.deleted_at IS NULL' END,
    CASE WHEN rare THEN $p$c.visibility::text = 'public' AND num_nulls(c.deleted_at) = 1$p$
         ELSE $p$c.visibility = 'public' AND c.deleted_at IS NULL$p$ END,
    CASE WHEN p_category IS NOT NULL THEN 'AND c.category_code = $2' ELSE '' END,
    CASE WHEN p_platform IS NOT NULL THEN 'AND c.platform_id = (SELECT p.id FROM public.platform p WHERE p.slug = $3)' ELSE '' END,
    CASE WHEN p_content_type IS NOT NULL THEN 'AND c.content_type_id = (SELECT t.id FROM public.content_type t WHERE t.slug = $4)' ELSE '' END,
    CASE WHEN p_creator_slug IS NOT NULL THEN 'AND c.user_id = (SELECT x.id FROM public.users x WHERE x.profile_slug = $5)' ELSE '' END,
    CASE p_order WHEN 'recent' THEN 'c.published_at DESC, c.id DESC' ELSE 'c.views_count DESC, c.id DESC' END,
    CASE p_order WHEN 'recent' THEN 'k.published_at DESC, k.id DESC' ELSE 'k.views_count DESC, k.id DESC' END)
  USING tsq, p_category, p_platform, p_content_type, p_creator_slug, p_limit, CASE WHEN rare THEN 2 * p_limit ELSE p_limit END;
END $$;
ALTER FUNCTION public.search_content_candidates(text, text, integer, text, text, text, text) OWNER TO streamvibe_definer;

-- The most followed p_limit public creators (with a profile slug) whose name, slug or bio matches websearch query
-- p_query, or whose name contains a word like it (trigram word similarity >= 0.5: typos in names), with a score
-- (ts_rank + word similarity).
CREATE FUNCTION public.search_creator_candidates(p_query text, p_limit integer, p_category text DEFAULT NULL,
                                                 p_verified_only boolean DEFAULT false, p_min_followers bigint DEFAULT NULL)
RETURNS TABLE (id uuid, total_followers bigint, score double precision)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' SET work_mem = '4MB' SET pg_trgm.word_similarity_threshold = '0.5'
ROWS 200 AS $$
BEGIN
  IF p_query IS NULL OR char_length(p_query) > 200 THEN
    RAISE EXCEPTION 'search query must be at most 200 characters' USING ERRCODE = '22023';
  END IF;
  IF p_limit IS NULL OR p_limit NOT BETWEEN 1 AND 1000 THEN
    RAISE EXCEPTION 'candidate limit must be between 1 and 1000, got %', p_limit USING ERRCODE = '22023';
  END IF;
  RETURN QUERY EXECUTE format($sql$
    SELECT m.id, m.total_followers,
           (ts_rank((setweight(to_tsvector('english'::regconfig, coalesce(m.display_name, '')), 'A') || setweight(to_tsvector('english'::regconfig, replace(coalesce(m.profile_slug, ''), '-', ' ')), 'A') || setweight(to_tsvector('english'::regconfig, coalesce(m.bio, '')), 'B')), websearch_to_tsquery('english'::regconfig, $1))
            + extensions.word_similarity($1, coalesce(m.display_name, '')))::double precision
    FROM (
      SELECT u.id, u.total_followers, u.display_name, u.profile_slug, u.bio
      FROM public.users u
      WHERE u.is_public AND u.deleted_at IS NULL AND u.profile_slug IS NOT NULL
        -- the cheap trigram test first: rows from the trigram index are rechecked, and OR stops at the first true
        AND ($1 OPERATOR(extensions.<%%) u.display_name
             OR (setweight(to_tsvector('english'::regconfig, coalesce(u.display_name, '')), 'A') || setweight(to_tsvector('english'::regconfig, replace(coalesce(u.profile_slug, ''), '-', ' ')), 'A') || setweight(to_tsvector('english'::regconfig, coalesce(u.bio, '')), 'B')) @@ websearch_to_tsquery('english'::regconfig, $1)) %s %s %s
      ORDER BY u.total_followers DESC, u.id
      LIMIT $5
    ) m $sql$,
    CASE WHEN p_category IS NOT NULL THEN 'AND u.primary_category = $2' ELSE '' END,
    CASE WHEN p_verified_only THEN 'AND u.is_verified' ELSE '' END,
    CASE WHEN p_min_followers IS NOT NULL THEN 'AND u.total_followers >= $4' ELSE '' END)
  USING p_query, p_category, p_verified_only, p_min_followers, p_limit;
END $$;
ALTER FUNCTION public.search_creator_candidates(text, integer, text, boolean, bigint) OWNER TO streamvibe_definer;

GRANT EXECUTE ON FUNCTION public.suggest_search_words(text[]), public.discovery_category_counts(),
  public.search_content_candidates(text, text, integer, text, text, text, text),
  public.search_creator_candidates(text, integer, text, boolean, bigint) TO anon, authenticated, service_role;
GRANT EXECUTE ON FUNCTION search.refresh_lexicon(), search.refresh_category_counts(integer),
  search.refresh_creator_stats() TO service_role;
