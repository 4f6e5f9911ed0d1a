-- 015 trending keywords and the offline AI engine.
--
-- public.refresh_trending_keywords(p_top): the AI feature's hourly schedule (functions/ai/tasks.ts) recomputes
-- trending_keyword from what creators publish and accept, for three scopes: each (category, platform), each category
-- (platform_id NULL), and everything (category_code and platform_id NULL, for items without a category).
--
-- Signals, each an (item, keyword, weight):
--   * tags and title words of discoverable items (public, live, of a public live creator) published in the last 7 days.
--     An item weighs (1 + ln(1 + views + 5 x likes + 10 x clicks)) x exp(-age_hours / 72): engagement counts, but
--     logarithmically (one viral item does not make its every word a trend), and a day-old item counts exp(-1/3) = 0.72
--     of a new one, a week-old one 0.10. A tag carries the item's full weight, a title word half of it (titles carry
--     filler); a keyword that is both counts once, at the higher weight. Title words are those of the search lexicon
--     (007): letters only, 3-40 characters, not an English stop word;
--   * tags creators accepted from AI suggestions (content_tag.source 'ai_generated') in the last 7 days, on any
--     discoverable item: weight exp(-hours since accepted / 72). Accepted suggestions are a signal of their own,
--     whatever the item's age;
--   * search terms: not used. The schema keeps no log of what visitors search for (search.common_term and
--     search.term_posting of 008 index the content's own terms, not queries), so there is nothing to aggregate.
-- trend_score = the sum of the weights (2 decimals); search_volume = the number of items carrying the keyword;
-- growth_rate = (new - previous) / previous score when the keyword was already trending in the scope, else NULL.
-- Only the top p_top keywords of each scope are kept (score, then keyword). Rows of this source ('internal') that
-- the run did not write (fell out of the top, or no recent item has them) are removed, and so is every expired row;
-- written rows expire after a day, so trends vanish if the schedule stops rather than linger.
--
-- The offline engine (functions/ai/offline.ts), the default when no provider key is configured, records its usage
-- against its own provider and model at cost 0.

CREATE FUNCTION public.refresh_trending_keywords(p_top integer DEFAULT 50) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' SET work_mem = '32MB' AS $$
DECLARE
  window_length constant interval := interval '7 days';
  decay_hours constant double precision := 72;
  title_word_share constant double precision := 0.5;
  -- Bounds the work at any volume: the newest discoverable items of the window (a week at 1M items/year is ~20k).
  max_items constant integer := 100000;
  written integer;
BEGIN
  IF p_top IS NULL OR p_top NOT BETWEEN 1 AND 500 THEN
    RAISE EXCEPTION 'top keywords per scope must be between 1 and 500, got %', p_top USING ERRCODE = '22023';
  END IF;
  -- One refresh at a time; a concurrent caller waits and then recomputes from fresh data.
  PERFORM pg_advisory_xact_lock(hashtext('streamvibe.refresh_trending_keywords'));

  WITH items AS MATERIALIZED (
    SELECT c.id, c.category_code, c.platform_id, c.title,
           (1 + ln((1 + c.views_count + 5 * c.likes_count + 10 * c.total_clicks)::double precision))
             * exp(-(extract(epoch FROM now() - c.published_at)::double precision / 3600) / decay_hours) AS weight
    FROM public.content_item c
    JOIN public.users u ON u.id = c.user_id AND u.is_public AND u.deleted_at IS NULL
    WHERE c.visibility = 'public' AND c.deleted_at IS NULL
      AND c.published_at >= now() - window_length AND c.published_at <= now()
    ORDER BY c.published_at DESC, c.id DESC
    LIMIT max_items
  ), item_terms AS (
    SELECT x.id, x.category_code, x.platform_id, x.keyword, max(x.weight) AS weight
    FROM (
      SELECT i.id, i.category_code, i.platform_id, t.tag AS keyword, i.weight
      FROM items i JOIN public.content_tag t ON t.content_id = i.id
      UNION ALL
      SELECT i.id, i.category_code, i.platform_id, w.word, i.weight * title_word_share
      FROM items i CROSS JOIN LATERAL unnest(tsvector_to_array(to_tsvector('simple'::regconfig, i.title))) AS w(word)
      WHERE w.word ~ '^[[:alpha:]]{3,40}$' AND ts_lexize('pg_catalog.english_stem'::regdictionary, w.word) <> '{}'
    ) x
    GROUP BY x.id, x.category_code, x.platform_id, x.keyword
  ), accepted AS (
    SELECT c.id, c.category_code, c.platform_id, t.tag AS keyword,
           exp(-(extract(epoch FROM now() - t.created_at)::double precision / 3600) / decay_hours) AS weight
    FROM public.content_tag t
    JOIN public.content_item c ON c.id = t.content_id AND c.visibility = 'public' AND c.deleted_at IS NULL
    JOIN public.users u ON u.id = c.user_id AND u.is_public AND u.deleted_at IS NULL
    WHERE t.source = 'ai_generated' AND t.created_at >= now() - window_length AND t.created_at <= now()
  ), scored AS (
    SELECT s.keyword, s.category_code, s.platform_id, sum(s.weight) AS score, count(DISTINCT s.id) AS items
    FROM (SELECT * FROM item_terms UNION ALL SELECT * FROM accepted) s
    GROUP BY GROUPING SETS ((s.keyword, s.category_code, s.platform_id), (s.keyword, s.category_code), (s.keyword))
    -- Uncategorised items count only in the everything scope (their category rows would collide with it).
    HAVING GROUPING(s.category_code) = 1 OR s.category_code IS NOT NULL
  ), ranked AS (
    SELECT r.*, row_number() OVER (PARTITION BY r.category_code, r.platform_id ORDER BY r.score DESC, r.keyword) AS rank
    FROM scored r
  )
  INSERT INTO public.trending_keyword AS k (keyword, category_code, platform_id, search_volume, trend_score, growth_rate,
                                            source, captured_at, expires_at)
  SELECT r.keyword, r.category_code, r.platform_id, r.items, least(round(r.score::numeric, 2), 999999.99), NULL,
         'internal', now(), now() + interval '1 day'
  FROM ranked r
  WHERE r.rank <= p_top
  ON CONFLICT (keyword, category_code, platform_id) DO UPDATE
  SET growth_rate = CASE WHEN k.trend_score > 0
                         THEN least(greatest(round((EXCLUDED.trend_score - k.trend_score) / k.trend_score, 4), -9999), 9999) END,
      trend_score = EXCLUDED.trend_score, search_volume = EXCLUDED.search_volume, source = EXCLUDED.source,
      captured_at = EXCLUDED.captured_at, expires_at = EXCLUDED.expires_at;
  GET DIAGNOSTICS written = ROW_COUNT;

  -- now() is this transaction's start: every row written above has captured_at = now().
  DELETE FROM public.trending_keyword k WHERE k.expires_at <= now() OR (k.source = 'internal' AND k.captured_at < now());
  RETURN written;
END $$;
ALTER FUNCTION public.refresh_trending_keywords(integer) OWNER TO streamvibe_definer;
REVOKE ALL ON FUNCTION public.refresh_trending_keywords(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.refresh_trending_keywords(integer) TO service_role;

-- ---------------------------------------------------------------------------------------------
-- The offline engine's provider and model (usage recorded at cost 0)
-- ---------------------------------------------------------------------------------------------
-- The owner has no policy on these tables (RLS is forced on it too): lifted for these statements, in this transaction.
ALTER TABLE public.ai_provider NO FORCE ROW LEVEL SECURITY;
ALTER TABLE public.ai_model NO FORCE ROW LEVEL SECURITY;
INSERT INTO public.ai_provider (slug, display_name, api_base_url, sort_order) VALUES ('offline', 'StreamVibe offline', NULL, 5);
INSERT INTO public.ai_model (provider_id, slug, display_name, input_cost_per_1k_tokens, output_cost_per_1k_tokens,
                             context_window_tokens, max_output_tokens, is_default)
SELECT p.id, 'streamvibe-offline', 'StreamVibe offline', 0, 0, 100000, 4096, false
FROM public.ai_provider p WHERE p.slug = 'offline';
ALTER TABLE public.ai_provider FORCE ROW LEVEL SECURITY;
ALTER TABLE public.ai_model FORCE ROW LEVEL SECURITY;
