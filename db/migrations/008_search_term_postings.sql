-- 008: recency lists for common search terms.
--
-- Search ranks the newest 200 matches of a query (search_content_candidates, 007). For a common term 007 finds them
-- by walking the recency index and testing each item, which reads ~200 / hit-rate rows: at 1M items, ~4,000 heap
-- rows and 6 ms for a term in 5% of the items. For the terms where that walk is long (in at least sqrt(200 x items)
-- and at most 10% of the discoverable items: 119 terms at 1M items), search.term_posting lists (term, published_at,
-- item) for every public, live item newer than the term's horizon, so their newest matches are one index range:
-- 200 postings, each checked on its item and creator (2.4 ms at 1M items).
--   * search.common_term: the terms, chosen daily by refresh_common_terms() from ts_stat over the search vectors;
--   * triggers on content_item keep the postings exact on insert, on a change of search vector, publication time,
--     visibility or deletion, and on delete (the daily refresh trims each list to its newest 1,000 and moves the
--     horizon);
--   * search_content_candidates() uses them for a one-term query sorted by recency without filters, and walks the
--     index as before for what lies at or before the horizon if the list alone has too few public matches.

CREATE TABLE search.common_term (
  lexeme      text PRIMARY KEY CHECK (lexeme ~ '^[^''\\]{1,100}$'),
  ndoc        integer NOT NULL CHECK (ndoc > 0),
  -- The list holds a posting for every public, live item with the term published after the horizon ('infinity'
  -- while the term is new and not filled yet; '-infinity' when it holds them all).
  horizon     timestamptz NOT NULL DEFAULT 'infinity',
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- No foreign keys: a key check would lock the term row (and the item) on every posting written by busy ingest.
CREATE TABLE search.term_posting (
  lexeme        text NOT NULL,
  published_at  timestamptz NOT NULL,
  item_id       uuid NOT NULL,
  PRIMARY KEY (lexeme, published_at, item_id)
);

GRANT SELECT, INSERT, UPDATE, DELETE ON search.common_term, search.term_posting TO service_role;
ALTER TABLE search.common_term ENABLE ROW LEVEL SECURITY;
ALTER TABLE search.common_term FORCE ROW LEVEL SECURITY;
ALTER TABLE search.term_posting ENABLE ROW LEVEL SECURITY;
ALTER TABLE search.term_posting FORCE ROW LEVEL SECURITY;
CREATE POLICY common_term_service ON search.common_term TO service_role USING (true) WITH CHECK (true);
CREATE POLICY term_posting_service ON search.term_posting TO service_role USING (true) WITH CHECK (true);

-- ---------------------------------------------------------------------------------------------
-- Maintenance on write
-- ---------------------------------------------------------------------------------------------
-- New items: one statement per INSERT statement (bulk ingest writes its postings in one go).
CREATE FUNCTION search.add_term_postings() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  INSERT INTO search.term_posting (lexeme, published_at, item_id)
  SELECT t.lexeme, n.published_at, n.id
  FROM new_items n
  CROSS JOIN LATERAL unnest(tsvector_to_array(n.search_vector)) AS l(lexeme)
  JOIN search.common_term t ON t.lexeme = l.lexeme
  WHERE n.visibility = 'public' AND n.deleted_at IS NULL
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
ALTER FUNCTION search.add_term_postings() OWNER TO streamvibe_definer;

-- An item whose search vector, publication time, visibility or deletion changed gets its postings again (if it is
-- public and live); a deleted item drops them.
CREATE FUNCTION search.sync_term_postings() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  DELETE FROM search.term_posting p
  WHERE p.lexeme = ANY (tsvector_to_array(OLD.search_vector)) AND p.published_at = OLD.published_at AND p.item_id = OLD.id;
  IF TG_OP = 'UPDATE' AND NEW.visibility = 'public' AND NEW.deleted_at IS NULL THEN
    INSERT INTO search.term_posting (lexeme, published_at, item_id)
    SELECT t.lexeme, NEW.published_at, NEW.id FROM search.common_term t
    WHERE t.lexeme = ANY (tsvector_to_array(NEW.search_vector))
    ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END $$;
ALTER FUNCTION search.sync_term_postings() OWNER TO streamvibe_definer;

CREATE TRIGGER content_item_term_postings_insert AFTER INSERT ON public.content_item
  REFERENCING NEW TABLE AS new_items FOR EACH STATEMENT EXECUTE FUNCTION search.add_term_postings();
-- Row-level with WHEN, so the frequent counter updates (views, likes) never call it.
CREATE TRIGGER content_item_term_postings_update AFTER UPDATE ON public.content_item FOR EACH ROW
  WHEN (OLD.search_vector IS DISTINCT FROM NEW.search_vector OR OLD.published_at IS DISTINCT FROM NEW.published_at
        OR OLD.visibility IS DISTINCT FROM NEW.visibility OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at)
  EXECUTE FUNCTION search.sync_term_postings();
CREATE TRIGGER content_item_term_postings_delete AFTER DELETE ON public.content_item FOR EACH ROW
  EXECUTE FUNCTION search.sync_term_postings();

-- ---------------------------------------------------------------------------------------------
-- Daily refresh
-- ---------------------------------------------------------------------------------------------
-- Chooses the common terms (ts_stat over the discoverable items' search vectors: ~2 s at 1M items), drops the
-- lists of terms no longer common, fills the lists of new ones, and trims every list to its newest p_keep, moving
-- its horizon. p_min_ndoc overrides the lower bound (tests use small data sets). Returns the number of terms.
CREATE FUNCTION search.refresh_common_terms(p_min_ndoc integer DEFAULT NULL, p_keep integer DEFAULT 1000) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  items bigint;
  min_ndoc integer;
  window_items bigint;
  term text;
  boundary timestamptz;
  term_count integer;
BEGIN
  IF p_keep IS NULL OR p_keep < 200 THEN
    RAISE EXCEPTION 'p_keep must be at least 200 (one candidate set), got %', p_keep USING ERRCODE = '22023';
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('streamvibe.refresh_common_terms'));
  SELECT count(*) INTO items FROM public.content_item c WHERE c.visibility = 'public' AND c.deleted_at IS NULL;
  min_ndoc := greatest(coalesce(p_min_ndoc, ceil(sqrt(200.0 * items))::integer), 1);

  WITH fresh AS MATERIALIZED (
    SELECT s.word AS lexeme, s.ndoc
    FROM ts_stat($q$
      SELECT c.search_vector FROM public.content_item c WHERE c.visibility = 'public' AND c.deleted_at IS NULL
    $q$) s
    WHERE s.ndoc >= min_ndoc AND s.ndoc <= greatest(items / 10, min_ndoc) AND s.word ~ '^[^''\\]{1,100}$'
  ), gone AS (
    DELETE FROM search.common_term t WHERE NOT EXISTS (SELECT 1 FROM fresh f WHERE f.lexeme = t.lexeme)
    RETURNING t.lexeme
  ), gone_postings AS (
    DELETE FROM search.term_posting p USING gone g WHERE p.lexeme = g.lexeme
  )
  INSERT INTO search.common_term AS t (lexeme, ndoc)
  SELECT f.lexeme, f.ndoc FROM fresh f
  ON CONFLICT (lexeme) DO UPDATE SET ndoc = EXCLUDED.ndoc, updated_at = now();

  -- New terms: one pass over the newest public items fills them all, and each list is then complete after the
  -- oldest item of the pass. The pass covers p_keep / (lowest hit rate of a common term) items (71k at 1M: ~2 s).
  -- Writers wait meanwhile, so no item written concurrently can miss its posting (a concurrent insert's trigger
  -- does not see an uncommitted term; the pass does not see an uncommitted item).
  IF EXISTS (SELECT 1 FROM search.common_term t WHERE t.horizon = 'infinity') THEN
    LOCK TABLE public.content_item IN SHARE MODE;
    window_items := ceil(p_keep::numeric * items / min_ndoc);
    SELECT c.published_at INTO boundary FROM public.content_item c
    WHERE c.visibility = 'public' AND c.deleted_at IS NULL
    ORDER BY c.published_at DESC, c.id DESC OFFSET window_items LIMIT 1;  -- NULL: the pass takes every item
    INSERT INTO search.term_posting (lexeme, published_at, item_id)
    SELECT t.lexeme, c.published_at, c.id
    FROM public.content_item c
    CROSS JOIN LATERAL unnest(tsvector_to_array(c.search_vector)) AS l(lexeme)
    JOIN search.common_term t ON t.lexeme = l.lexeme AND t.horizon = 'infinity'
    WHERE c.visibility = 'public' AND c.deleted_at IS NULL AND c.published_at > coalesce(boundary, '-infinity')
    ON CONFLICT DO NOTHING;
    UPDATE search.common_term t SET horizon = coalesce(boundary, '-infinity'), updated_at = now() WHERE t.horizon = 'infinity';
  END IF;

  -- Trim: the horizon moves to the p_keep-th newest posting; everything after it stays complete.
  FOR term, boundary IN
    SELECT t.lexeme, k.published_at FROM search.common_term t
    CROSS JOIN LATERAL (
      SELECT p.published_at FROM search.term_posting p WHERE p.lexeme = t.lexeme
      ORDER BY p.published_at DESC, p.item_id DESC OFFSET p_keep LIMIT 1
    ) k
  LOOP
    UPDATE search.common_term t SET horizon = greatest(t.horizon, boundary), updated_at = now() WHERE t.lexeme = term;
    DELETE FROM search.term_posting p WHERE p.lexeme = term AND p.published_at < boundary;
  END LOOP;

  SELECT count(*)::integer INTO term_count FROM search.common_term;
  RETURN term_count;
END $$;
ALTER FUNCTION search.refresh_common_terms(integer, integer) OWNER TO streamvibe_definer;
GRANT EXECUTE ON FUNCTION search.refresh_common_terms(integer, integer) TO service_role;

-- ---------------------------------------------------------------------------------------------
-- Search candidates (007's function; same signature, result, privileges and owner)
-- ---------------------------------------------------------------------------------------------
-- New: a one-term query for a common term, sorted by recency and unfiltered, reads the term's postings after its
-- horizon (newest first, each checked on its item and creator). When they hold fewer than p_limit public matches,
-- the walk of 007 continues at or before the horizon for the rest.
CREATE OR REPLACE FUNCTION public.search_content_candidates(p_query text, p_order text, p_limit integer,
                                                            p_category text DEFAULT NULL, p_platform text DEFAULT NULL,
                                                            p_content_type text DEFAULT NULL, p_creator_slug text DEFAULT NULL)
RETURNS TABLE (id uuid, published_at timestamptz, views_count bigint, score double precision)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = '' SET work_mem = '4MB' SET enable_hashjoin = off SET enable_mergejoin = off
SET enable_bitmapscan = on ROWS 200 AS $$
DECLARE
  tsq tsquery;
  term text;
  term_horizon timestamptz;
  remaining integer := p_limit;
  returned integer;
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

  IF p_order = 'recent' AND numnode(tsq) = 1 AND num_nulls(p_category, p_platform, p_content_type, p_creator_slug) = 4 THEN
    term := substring(tsq::text FROM '^''([^''\\]+)''$');  -- one plain lexeme (no weight or prefix), else NULL
    SELECT t.horizon INTO term_horizon FROM search.common_term t WHERE t.lexeme = term;
  END IF;
  IF term_horizon IS NOT NULL THEN
    -- Walk the list newest first and stop after p_limit matches (a bitmap scan would read and sort all of it).
    PERFORM set_config('enable_bitmapscan', 'off', true);
    RETURN QUERY
      SELECT k.id, k.published_at, k.views_count, ts_rank(k.search_vector, tsq)::double precision
      FROM (
        SELECT c.id, c.published_at, c.views_count, c.search_vector
        FROM search.term_posting t
        JOIN public.content_item c ON c.id = t.item_id AND c.published_at = t.published_at
        JOIN public.users u ON u.id = c.user_id AND u.is_public AND u.deleted_at IS NULL
        WHERE t.lexeme = term AND t.published_at > term_horizon
          AND c.visibility = 'public' AND c.deleted_at IS NULL AND c.search_vector @@ tsq
        ORDER BY t.published_at DESC, t.item_id DESC
        LIMIT p_limit
      ) k;
    GET DIAGNOSTICS returned = ROW_COUNT;
    remaining := p_limit - returned;
    IF remaining = 0 OR term_horizon = '-infinity' THEN
      RETURN;
    END IF;
    PERFORM set_config('enable_bitmapscan', 'on', true);
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
      WHERE %s AND c.search_vector @@ $1 %s %s %s %s %s
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
    CASE WHEN term_horizon IS NOT NULL THEN 'AND c.published_at <= $8' ELSE '' END,
    CASE p_order WHEN 'recent' THEN 'c.published_at DESC, c.id DESC' ELSE 'c.views_count DESC, c.id DESC' END,
    CASE p_order WHEN 'recent' THEN 'k.published_at DESC, k.id DESC' ELSE 'k.views_count DESC, k.id DESC' END)
  USING tsq, p_category, p_platform, p_content_type, p_creator_slug, remaining,
        CASE WHEN rare THEN 2 * remaining ELSE remaining END, term_horizon;
END $$;
