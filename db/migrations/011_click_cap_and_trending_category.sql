-- 011: click integrity, and trending_refresh's own job category.
--
-- Clicks. The API now hashes only the visitor's address (IPv4 /32, IPv6 /64) into p_visitor_hash, so rotating the
-- User-Agent no longer makes a new visitor; track_content_click additionally caps how many new clicks one visitor
-- adds per minute, in the same transaction as the click (search.click_rate: one counter row per visitor and minute,
-- an atomic upsert; the click and its count commit together or not at all, so concurrent clicks past the cap fail
-- and exactly the cap gets through). Past the cap it raises SV429, which the API answers as 429 rate_limited.
-- Repeated clicks on an item already counted this hour are not new clicks and do not use up the cap.
--
-- Job categories. 006 filed the trending_refresh kind under the quota_reset job type, so a trending refresh
-- reported job_category 'quota_reset'. It gets a type of its own, on the same maintenance queue and worker.

-- ---------------------------------------------------------------------------------------------
-- Per-visitor click counters (schema search: discovery's service-side tables; public keeps the seed's 38)
-- ---------------------------------------------------------------------------------------------
CREATE TABLE search.click_rate (
  visitor_hash  text NOT NULL,
  minute        timestamptz NOT NULL,  -- date_trunc('minute', the click's transaction time)
  clicks        integer NOT NULL CHECK (clicks > 0),
  PRIMARY KEY (visitor_hash, minute)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON search.click_rate TO service_role;
ALTER TABLE search.click_rate ENABLE ROW LEVEL SECURITY;
ALTER TABLE search.click_rate FORCE ROW LEVEL SECURITY;
CREATE POLICY click_rate_service ON search.click_rate TO service_role USING (true) WITH CHECK (true);

-- Same signature, result, owner and privileges as 005's; new: the per-minute cap.
CREATE OR REPLACE FUNCTION public.track_content_click(p_content_id uuid, p_visitor_hash text, p_user_id uuid DEFAULT NULL,
                                                      p_referrer text DEFAULT NULL, p_user_agent text DEFAULT NULL) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  max_clicks_per_minute constant integer := 60;
  click_id bigint;
  clicks_this_minute integer;
BEGIN
  IF p_visitor_hash IS NULL OR p_visitor_hash !~ '^[A-Za-z0-9_-]{16,128}$' THEN
    RAISE EXCEPTION 'visitor hash must be 16-128 url-safe characters' USING ERRCODE = '22023';
  END IF;
  INSERT INTO public.content_click (content_id, user_id, visitor_hash, referrer, user_agent)
  SELECT c.id, p_user_id, p_visitor_hash, left(p_referrer, 2048), left(p_user_agent, 1024)
  FROM public.content_item c
  JOIN public.users u ON u.id = c.user_id
  WHERE c.id = p_content_id AND c.visibility = 'public' AND c.deleted_at IS NULL AND u.is_public AND u.deleted_at IS NULL
  ON CONFLICT (content_id, visitor_hash, click_hour) WHERE visitor_hash IS NOT NULL DO NOTHING
  RETURNING id INTO click_id;
  IF click_id IS NULL THEN
    RETURN false;
  END IF;
  -- The row lock of the upsert orders concurrent clicks of one visitor; one past the cap raises, which rolls back
  -- its click and its increment, so the next one sees the count without it.
  INSERT INTO search.click_rate AS r (visitor_hash, minute, clicks)
  VALUES (p_visitor_hash, date_trunc('minute', now()), 1)
  ON CONFLICT (visitor_hash, minute) DO UPDATE SET clicks = r.clicks + 1
  RETURNING r.clicks INTO clicks_this_minute;
  IF clicks_this_minute > max_clicks_per_minute THEN
    RAISE EXCEPTION 'Too many clicks from this address: at most % a minute', max_clicks_per_minute USING ERRCODE = 'SV429';
  END IF;
  PERFORM public.increment_content_clicks(p_content_id);
  RETURN true;
END $$;

-- The daily cleanup (jobs feature's `cleanup` task) drops counters of past minutes; returns how many.
CREATE FUNCTION search.prune_click_rate() RETURNS integer
LANGUAGE sql SET search_path = '' AS $$
  WITH gone AS (DELETE FROM search.click_rate WHERE minute < date_trunc('minute', now()) RETURNING 1)
  SELECT count(*)::integer FROM gone
$$;
GRANT EXECUTE ON FUNCTION search.prune_click_rate() TO service_role;

-- ---------------------------------------------------------------------------------------------
-- trending_refresh: a job type of its own (existing jobs follow through job_queue's ON UPDATE CASCADE)
-- ---------------------------------------------------------------------------------------------
-- The owner has no policy on these tables (RLS is forced on it too): lifted for these statements, in this transaction.
ALTER TABLE public.job_type NO FORCE ROW LEVEL SECURITY;
ALTER TABLE meta.job_kind NO FORCE ROW LEVEL SECURITY;
ALTER TABLE public.job_queue NO FORCE ROW LEVEL SECURITY;
INSERT INTO public.job_type (slug, display_name, description, queue_name, default_priority, max_retries, timeout_seconds)
VALUES ('trending_refresh', 'Trending refresh', 'Recompute the trending ranks of discoverable content.', 'maintenance', 9, 5, 300);
UPDATE public.job_type SET description = 'Periodic recomputation: quota cycle reset.' WHERE slug = 'quota_reset';
UPDATE meta.job_kind SET job_type_id = (SELECT id FROM public.job_type WHERE slug = 'trending_refresh')
WHERE kind = 'trending_refresh';
ALTER TABLE public.job_type FORCE ROW LEVEL SECURITY;
ALTER TABLE meta.job_kind FORCE ROW LEVEL SECURITY;
ALTER TABLE public.job_queue FORCE ROW LEVEL SECURITY;
