-- 022 admin and moderation: an append-only audit log, hidden content and creators, featured creators, redrive of
-- dead jobs, and the notifications users need (a job failed for good, a quota at 80% and 100%), each once.
--
-- Hidden is enforced here, in the read policies, so every public read (browse, search, trending, creator and content
-- pages, the sitemap) stops showing an item or a creator in the transaction that hides it, while its owner (and
-- admins) still see it through their own policies. The refreshes that derive public data (trending ranks, category
-- counts, the "did you mean" lexicon, click counting) skip hidden rows too, so nothing hidden is ranked or counted.

-- ---------------------------------------------------------------------------------------------
-- The audit log is append-only, for everyone
-- ---------------------------------------------------------------------------------------------
-- No app role holds UPDATE, DELETE or TRUNCATE on it (000); these triggers refuse them to the owner as well. The one
-- change let through is the foreign key's own: erasing a user sets user_id to null in their rows and touches nothing
-- else. SECURITY DEFINER: the check that the user is really gone must see every users row.
CREATE FUNCTION public.audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF OLD.user_id IS NOT NULL AND NEW.user_id IS NULL AND to_jsonb(NEW) - 'user_id' = to_jsonb(OLD) - 'user_id'
       AND NOT EXISTS (SELECT 1 FROM public.users u WHERE u.id = OLD.user_id) THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
ALTER FUNCTION public.audit_log_append_only() OWNER TO streamvibe_definer;
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON public.audit_log
  FOR EACH ROW EXECUTE FUNCTION public.audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON public.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION public.audit_log_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON public.audit_log FROM anon, authenticated, service_role;
-- The admin audit trail by actor, newest first.
CREATE INDEX audit_log_actor_created_idx ON public.audit_log (actor_id, created_at DESC) WHERE actor_id IS NOT NULL;

-- ---------------------------------------------------------------------------------------------
-- Hidden by moderation
-- ---------------------------------------------------------------------------------------------
-- When and why (the reason goes to the owner in a notification; the audit log keeps who). Only service_role writes
-- them; anon and authenticated may read hidden_at, which the read policies test (a hidden row is invisible to anyone
-- but its owner and admins, so they only ever see null, or their own row's state).
ALTER TABLE public.content_item
  ADD COLUMN hidden_at timestamptz,
  ADD COLUMN hidden_reason text CHECK (char_length(hidden_reason) BETWEEN 1 AND 1000),
  ADD CONSTRAINT content_item_hidden_reason CHECK ((hidden_at IS NULL) = (hidden_reason IS NULL));
ALTER TABLE public.users
  ADD COLUMN hidden_at timestamptz,
  ADD COLUMN hidden_reason text CHECK (char_length(hidden_reason) BETWEEN 1 AND 1000),
  ADD CONSTRAINT users_hidden_reason CHECK ((hidden_at IS NULL) = (hidden_reason IS NULL));
GRANT SELECT (hidden_at) ON public.content_item, public.users TO anon, authenticated;
-- The moderators' list of what is hidden.
CREATE INDEX content_item_hidden_idx ON public.content_item (hidden_at DESC) WHERE hidden_at IS NOT NULL;
CREATE INDEX users_hidden_idx ON public.users (hidden_at DESC) WHERE hidden_at IS NOT NULL;

ALTER POLICY users_read_public ON public.users USING (is_public AND deleted_at IS NULL AND hidden_at IS NULL);
ALTER POLICY content_item_read_public ON public.content_item
  USING (visibility = 'public' AND deleted_at IS NULL AND hidden_at IS NULL
         AND EXISTS (SELECT 1 FROM public.users u WHERE u.id = user_id AND u.is_public AND u.deleted_at IS NULL AND u.hidden_at IS NULL));
ALTER POLICY featured_creator_read ON public.featured_creator
  USING (is_active AND starts_at <= now() AND (ends_at IS NULL OR ends_at > now())
         AND EXISTS (SELECT 1 FROM public.users u WHERE u.id = user_id AND u.is_public AND u.deleted_at IS NULL AND u.hidden_at IS NULL));

-- 005's, with hidden items and creators left out of the ranks.
CREATE OR REPLACE FUNCTION public.refresh_trending_content(p_limit integer DEFAULT 100) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  inserted integer;
  candidate_limit integer := greatest(p_limit, 1) * 50;
BEGIN
  IF p_limit IS NULL OR p_limit NOT BETWEEN 1 AND 1000 THEN
    RAISE EXCEPTION 'trending limit must be between 1 and 1000, got %', p_limit USING ERRCODE = '22023';
  END IF;
  -- One refresh at a time; a concurrent caller waits and then rebuilds from fresh data.
  PERFORM pg_advisory_xact_lock(hashtext('streamvibe.refresh_trending_content'));
  DELETE FROM public.trending_content;
  INSERT INTO public.trending_content (content_id, period, rank, trend_score, category_code)
  SELECT id, period, rank, score, category_code
  FROM (
    SELECT c.id, w.period, c.category_code, c.score,
           row_number() OVER (PARTITION BY w.period ORDER BY c.score DESC, c.id) AS rank
    FROM (VALUES ('today', interval '1 day'), ('week', interval '7 days'), ('month', interval '30 days'),
                 ('all_time', NULL::interval)) AS w(period, window_length)
    CROSS JOIN LATERAL (
      SELECT ci.id, ci.category_code,
             public.calculate_trend_score(ci.total_clicks, ci.views_count, ci.published_at) AS score
      FROM public.content_item ci
      JOIN public.users u ON u.id = ci.user_id AND u.is_public AND u.deleted_at IS NULL AND u.hidden_at IS NULL
      WHERE ci.visibility = 'public' AND ci.deleted_at IS NULL AND ci.hidden_at IS NULL
        AND (w.window_length IS NULL OR ci.published_at >= now() - w.window_length)
      ORDER BY ci.views_count DESC, ci.id DESC
      LIMIT candidate_limit
    ) c
  ) ranked
  WHERE rank <= p_limit;
  GET DIAGNOSTICS inserted = ROW_COUNT;
  RETURN inserted;
END $$;

-- 007's, counting no hidden item.
CREATE OR REPLACE FUNCTION search.refresh_category_counts(p_ttl_seconds integer DEFAULT 600) RETURNS jsonb
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
    JOIN public.users u ON u.id = c.user_id AND u.is_public AND u.deleted_at IS NULL AND u.hidden_at IS NULL
    WHERE c.visibility = 'public' AND c.deleted_at IS NULL AND c.hidden_at IS NULL AND c.category_code IS NOT NULL
    GROUP BY c.category_code
  ) x;
  INSERT INTO public.cache_store AS s (key, value, expires_at)
  VALUES ('discovery:category_counts', counts, now() + make_interval(secs => p_ttl_seconds))
  ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at, updated_at = now();
  RETURN counts;
END $$;

-- 007's: no word of a hidden title is ever suggested.
CREATE OR REPLACE FUNCTION search.refresh_lexicon() RETURNS integer
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
      JOIN public.users u ON u.id = c.user_id AND u.is_public AND u.deleted_at IS NULL AND u.hidden_at IS NULL
      WHERE c.visibility = 'public' AND c.deleted_at IS NULL AND c.hidden_at IS NULL
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

-- 011's: a hidden item (or an item of a hidden creator) takes no clicks.
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
  WHERE c.id = p_content_id AND c.visibility = 'public' AND c.deleted_at IS NULL AND c.hidden_at IS NULL
    AND u.is_public AND u.deleted_at IS NULL AND u.hidden_at IS NULL
  ON CONFLICT (content_id, visitor_hash, click_hour) WHERE visitor_hash IS NOT NULL DO NOTHING
  RETURNING id INTO click_id;
  IF click_id IS NULL THEN
    RETURN false;
  END IF;
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

-- Hides (p_reason given) or restores (p_reason null) an item or a creator (p_kind 'content' | 'creator'), and drops
-- what the refreshes derived from it (its trending ranks, the cached category counts), so nothing waits for a
-- refresh. Returns the row's state before and after as {hidden_at, hidden_reason}, and its owner; no row when the
-- target does not exist. The caller writes the audit row and the notification in the same transaction.
CREATE FUNCTION public.set_hidden(p_kind text, p_id uuid, p_reason text)
RETURNS TABLE (owner_id uuid, before jsonb, after jsonb)
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_before jsonb;
  v_after jsonb;
  v_owner uuid;
BEGIN
  IF p_kind IS NULL OR p_kind NOT IN ('content', 'creator') THEN
    RAISE EXCEPTION 'kind must be content or creator, got %', p_kind USING ERRCODE = '22023';
  END IF;
  IF p_kind = 'content' THEN
    SELECT c.user_id, jsonb_build_object('hidden_at', c.hidden_at, 'hidden_reason', c.hidden_reason) INTO v_owner, v_before
      FROM public.content_item c WHERE c.id = p_id FOR UPDATE;
    IF NOT FOUND THEN RETURN; END IF;
    UPDATE public.content_item c
       SET hidden_at = CASE WHEN p_reason IS NULL THEN NULL ELSE coalesce(c.hidden_at, now()) END, hidden_reason = p_reason
     WHERE c.id = p_id
    RETURNING jsonb_build_object('hidden_at', c.hidden_at, 'hidden_reason', c.hidden_reason) INTO v_after;
    DELETE FROM public.trending_content t WHERE p_reason IS NOT NULL AND t.content_id = p_id;
  ELSE
    SELECT u.id, jsonb_build_object('hidden_at', u.hidden_at, 'hidden_reason', u.hidden_reason) INTO v_owner, v_before
      FROM public.users u WHERE u.id = p_id FOR UPDATE;
    IF NOT FOUND THEN RETURN; END IF;
    UPDATE public.users u
       SET hidden_at = CASE WHEN p_reason IS NULL THEN NULL ELSE coalesce(u.hidden_at, now()) END, hidden_reason = p_reason
     WHERE u.id = p_id
    RETURNING jsonb_build_object('hidden_at', u.hidden_at, 'hidden_reason', u.hidden_reason) INTO v_after;
    DELETE FROM public.trending_content t USING public.content_item c
     WHERE p_reason IS NOT NULL AND c.id = t.content_id AND c.user_id = p_id;
  END IF;
  DELETE FROM public.cache_store s WHERE s.key = 'discovery:category_counts';
  RETURN QUERY SELECT v_owner, v_before, v_after;
END $$;
REVOKE ALL ON FUNCTION public.set_hidden(text, uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.set_hidden(text, uuid, text) TO service_role;

-- ---------------------------------------------------------------------------------------------
-- Redriving a dead job
-- ---------------------------------------------------------------------------------------------
-- A job whose message an admin sends back from the dead-letter queue after a fix: a job that failed for good becomes
-- pending again for one more attempt (marked dispatched: the caller sends its message, and the outbox sweep resends
-- it if that send is lost), taking its quota again as a new request would (it was given back when it failed);
-- without quota left it stays failed. Returns the outcome: requeued | quota_exhausted | superseded (the same job is
-- active again) | not_failed (pending, running, done or cancelled) | not_found; but for requeued and quota_exhausted
-- its message is harmless to send (the worker finds nothing to claim).
CREATE FUNCTION public.requeue_dead_job(p_job_id uuid) RETURNS text
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_job record;
BEGIN
  SELECT q.id, q.user_id, q.status, q.next_retry_at, q.params INTO v_job FROM public.job_queue q WHERE q.id = p_job_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN 'not_found';
  END IF;
  IF v_job.status <> 'failed' OR v_job.next_retry_at IS NOT NULL THEN
    RETURN 'not_failed';
  END IF;
  -- The user has asked for the same job again meanwhile: that one runs (one active job per user, kind and params).
  IF EXISTS (SELECT 1 FROM public.job_queue d, public.job_queue q
              WHERE q.id = p_job_id AND d.id <> q.id AND d.user_id IS NOT DISTINCT FROM q.user_id AND d.job_type = q.job_type
                AND d.params_hash = q.params_hash AND (d.status IN ('pending', 'processing') OR d.next_retry_at IS NOT NULL)) THEN
    RETURN 'superseded';
  END IF;
  IF v_job.user_id IS NOT NULL AND v_job.params ? 'quota_type'
     AND NOT public.increment_quota(v_job.user_id, v_job.params->>'quota_type', coalesce((v_job.params->>'quota_amount')::integer, 1)) THEN
    RETURN 'quota_exhausted';
  END IF;
  UPDATE public.job_queue q
     SET status = 'pending', scheduled_for = now(), dispatched_at = now(), worker_id = NULL, started_at = NULL,
         heartbeat_at = NULL, completed_at = NULL, progress = 0, progress_message = NULL
   WHERE q.id = p_job_id;
  INSERT INTO public.job_log (job_id, level, message) VALUES (p_job_id, 'info', 'requeued from the dead-letter queue by an administrator');
  RETURN 'requeued';
END $$;
REVOKE ALL ON FUNCTION public.requeue_dead_job(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.requeue_dead_job(uuid) TO service_role;

-- ---------------------------------------------------------------------------------------------
-- Notifications, each once (notify_user, 019)
-- ---------------------------------------------------------------------------------------------
-- A job of theirs failed for good: one notification per job (a job fails for good once; the key makes any second
-- path, a requeued job failing again included, a no-op).
CREATE FUNCTION public.notify_job_failed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  PERFORM public.notify_user(NEW.user_id, 'error',
    coalesce((SELECT t.display_name FROM public.job_type t WHERE t.id = NEW.job_type_id), NEW.job_type) || ' job failed',
    coalesce(NEW.error_message, 'The job failed.'), 'job-failed:' || NEW.id,
    jsonb_build_object('job_id', NEW.id, 'job_type', NEW.job_type), NULL);
  RETURN NULL;
END $$;
ALTER FUNCTION public.notify_job_failed() OWNER TO streamvibe_definer;
CREATE TRIGGER job_queue_notify_failed AFTER UPDATE OF status, next_retry_at ON public.job_queue
  FOR EACH ROW
  WHEN (NEW.status = 'failed' AND NEW.next_retry_at IS NULL AND NEW.user_id IS NOT NULL
        AND (OLD.status IS DISTINCT FROM 'failed' OR OLD.next_retry_at IS NOT NULL))
  EXECUTE FUNCTION public.notify_job_failed();

-- A quota reaching 80% and 100% of its limit: once per quota type, threshold and cycle (the cycle's month names it).
-- Every consumer (increment_quota, request_sync, request_quota_job) updates the subscription row, whose lock orders
-- concurrent increments, so exactly one of them crosses each threshold; one that jumps past both tells the higher.
CREATE FUNCTION public.notify_quota_thresholds() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  q record;
  v record;
  pct integer;
BEGIN
  SELECT * INTO q FROM public.effective_quota(NEW.user_id);
  FOR v IN
    SELECT * FROM (VALUES ('sync', 'syncs', OLD.syncs_used, NEW.syncs_used, q.max_syncs),
                          ('ai_analysis', 'AI analyses', OLD.ai_analyses_used, NEW.ai_analyses_used, q.max_ai_analyses),
                          ('seo_submission', 'SEO submissions', OLD.seo_submissions_used, NEW.seo_submissions_used, q.max_seo_submissions))
                  AS x(quota_type, label, old_used, new_used, quota_limit)
    WHERE x.quota_limit > 0 AND x.new_used > x.old_used
  LOOP
    FOREACH pct IN ARRAY ARRAY[100, 80] LOOP
      IF v.new_used * 100 >= pct * v.quota_limit AND v.old_used * 100 < pct * v.quota_limit THEN
        PERFORM public.notify_user(NEW.user_id, 'quota_warning',
          CASE pct WHEN 100 THEN 'You have used all of this month''s ' || v.label
                   ELSE 'You have used ' || pct || '% of this month''s ' || v.label END,
          format('%s of %s %s used; the quota renews on %s.', v.new_used, v.quota_limit, v.label,
                 to_char(NEW.cycle_end_date AT TIME ZONE 'UTC', 'YYYY-MM-DD')),
          format('quota:%s:%s:%s', v.quota_type, pct, to_char(NEW.cycle_start_date AT TIME ZONE 'UTC', 'YYYY-MM')),
          jsonb_build_object('quota_type', v.quota_type, 'percent', pct, 'used', v.new_used, 'limit', v.quota_limit), NULL);
        EXIT;
      END IF;
    END LOOP;
  END LOOP;
  RETURN NULL;
END $$;
ALTER FUNCTION public.notify_quota_thresholds() OWNER TO streamvibe_definer;
CREATE TRIGGER subscription_notify_quota AFTER UPDATE OF syncs_used, ai_analyses_used, seo_submissions_used ON public.subscription
  FOR EACH ROW
  WHEN (NEW.syncs_used > OLD.syncs_used OR NEW.ai_analyses_used > OLD.ai_analyses_used OR NEW.seo_submissions_used > OLD.seo_submissions_used)
  EXECUTE FUNCTION public.notify_quota_thresholds();

-- The daily cleanup (jobs feature's `cleanup` task): notifications read more than p_retention ago, at most p_limit a
-- call. Unread ones stay whatever their age. Returns how many were deleted.
CREATE FUNCTION public.cleanup_read_notifications(p_retention interval DEFAULT '30 days', p_limit integer DEFAULT 10000) RETURNS integer
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_count integer;
BEGIN
  IF p_retention IS NULL OR p_retention <= interval '0' THEN
    RAISE EXCEPTION 'p_retention must be a positive interval, got %', p_retention USING ERRCODE = '22023';
  END IF;
  IF p_limit IS NULL OR p_limit < 1 THEN
    RAISE EXCEPTION 'p_limit must be positive, got %', p_limit USING ERRCODE = '22023';
  END IF;
  DELETE FROM public.notification n
   WHERE n.id IN (SELECT o.id FROM public.notification o WHERE o.read_at < now() - p_retention ORDER BY o.read_at LIMIT p_limit);
  GET DIAGNOSTICS v_count = ROW_COUNT;
  RETURN v_count;
END $$;
REVOKE ALL ON FUNCTION public.cleanup_read_notifications(interval, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.cleanup_read_notifications(interval, integer) TO service_role;
CREATE INDEX notification_read_idx ON public.notification (read_at) WHERE read_at IS NOT NULL;
