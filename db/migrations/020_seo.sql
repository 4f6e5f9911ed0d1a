-- 020 SEO submission: what the seo feature needs of module 004.
--
-- * seo_submission names its engine (IndexNow needs no user connection: StreamVibe's own key proves its public site,
--   so connection_id is null for it) and the job that sends it. At most one open submission (pending, or waiting for
--   an engine's window: rate_limited) per URL and engine, whoever asked.
-- * request_seo_submission(): one of the caller's public pages to one engine, with the engine's daily limit
--   (seo_usage, search_engine.daily_quota) and the tier's monthly SEO quota taken in the same transaction as the
--   submission and its job, or nothing taken at all.
-- * Auto-submit: a creator's seo.setting.auto_submit makes every change to a discoverable item (published, edited,
--   deleted, hidden) queue its URL in seo.pending_url, one row per item, so changes coalesce; drain_seo_pending()
--   turns a creator's queue into submissions once it has been quiet for a while, one job per engine request's worth
--   of URLs (IndexNow: 10,000 URLs of one host in one POST, across creators).
-- * record_seo_results() writes each URL's outcome; a URL that fails for good, or a job that does, gives back its
--   unit of the monthly quota.

-- ---------------------------------------------------------------------------------------------
-- Submissions: the engine, the job, where they came from
-- ---------------------------------------------------------------------------------------------
ALTER TABLE seo_submission ADD COLUMN search_engine_id uuid REFERENCES search_engine (id);
UPDATE seo_submission s SET search_engine_id = c.search_engine_id FROM seo_connection c WHERE c.id = s.connection_id;
ALTER TABLE seo_submission ALTER COLUMN search_engine_id SET NOT NULL;
ALTER TABLE seo_submission ALTER COLUMN connection_id DROP NOT NULL;
-- Module 004's writers name only the connection: its engine is the submission's.
CREATE FUNCTION public.fill_seo_submission_engine() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  IF NEW.search_engine_id IS NULL THEN
    SELECT c.search_engine_id INTO NEW.search_engine_id FROM public.seo_connection c WHERE c.id = NEW.connection_id;
  END IF;
  RETURN NEW;
END $$;
REVOKE ALL ON FUNCTION public.fill_seo_submission_engine() FROM PUBLIC;
CREATE TRIGGER seo_submission_engine BEFORE INSERT ON seo_submission FOR EACH ROW EXECUTE FUNCTION public.fill_seo_submission_engine();
ALTER TABLE seo_submission ADD COLUMN job_id uuid REFERENCES job_queue (id) ON DELETE SET NULL;
ALTER TABLE seo_submission ADD COLUMN source text NOT NULL DEFAULT 'manual' CHECK (source IN ('manual', 'auto'));
DROP INDEX seo_submission_one_pending_idx;
CREATE UNIQUE INDEX seo_submission_one_open_idx ON seo_submission (search_engine_id, submitted_url)
  WHERE status IN ('pending', 'rate_limited');
CREATE INDEX seo_submission_job_idx ON seo_submission (job_id) WHERE status IN ('pending', 'rate_limited');
-- GET /seo-submissions pages newest first with (created_at, id) as the key.
DROP INDEX seo_submission_user_created_idx;
CREATE INDEX seo_submission_user_created_idx ON seo_submission (user_id, created_at DESC, id DESC);
CREATE INDEX seo_submission_engine_idx ON seo_submission (search_engine_id);

-- Connections change only through the API (the secret and its verification go with the row).
REVOKE UPDATE ON seo_connection FROM authenticated;
DROP POLICY seo_connection_update_own ON seo_connection;

-- Auto-submit's batches are seo_bulk_submit jobs; an IndexNow batch carries many creators' URLs, so it has no user.
UPDATE meta.job_kind SET user_required = false, description = 'Submit many URLs to a search engine (auto-submit batches)'
WHERE kind = 'seo_bulk_submit';

-- ---------------------------------------------------------------------------------------------
-- Auto-submit: the setting and the queue of changed pages
-- ---------------------------------------------------------------------------------------------
-- Not in public, which holds exactly the seed's tables: like oauth's and search's, the feature's own tables have a
-- schema, which only service_role enters (the API reads a user's setting as the service, by the verified caller's id).
CREATE SCHEMA IF NOT EXISTS seo;
REVOKE ALL ON SCHEMA seo FROM PUBLIC;
GRANT USAGE ON SCHEMA seo TO service_role;

CREATE TABLE seo.setting (
  user_id      uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  auto_submit  boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER setting_updated_at BEFORE UPDATE ON seo.setting FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();
-- The content trigger looks up the owners who have it on.
CREATE INDEX setting_auto_idx ON seo.setting (user_id) WHERE auto_submit;

-- One row per item: a later change in the window replaces the earlier one's kind and keeps its place in the queue.
-- No foreign key to content_item: a hard-deleted item still has a URL to announce as gone.
CREATE TABLE seo.pending_url (
  content_item_id  uuid PRIMARY KEY,
  user_id          uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  change           text NOT NULL CHECK (change IN ('updated', 'deleted')),
  queued_at        timestamptz NOT NULL DEFAULT now(),
  changed_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX pending_url_user_idx ON seo.pending_url (user_id, changed_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON seo.setting, seo.pending_url TO service_role;
ALTER TABLE seo.setting ENABLE ROW LEVEL SECURITY;     ALTER TABLE seo.setting FORCE ROW LEVEL SECURITY;
ALTER TABLE seo.pending_url ENABLE ROW LEVEL SECURITY; ALTER TABLE seo.pending_url FORCE ROW LEVEL SECURITY;
CREATE POLICY setting_service ON seo.setting TO service_role USING (true) WITH CHECK (true);
CREATE POLICY pending_url_service ON seo.pending_url TO service_role USING (true) WITH CHECK (true);

-- Whether a change to an item changes its public page: it became or stopped being discoverable, or what the page shows
-- changed while it is. Counters (views, likes, clicks) and sync bookkeeping change no page a crawler needs again.
CREATE FUNCTION public.queue_seo_changes() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  WITH changes AS (
    SELECT coalesce(n.id, o.id) AS id, coalesce(n.user_id, o.user_id) AS user_id,
           (n.id IS NOT NULL AND n.visibility = 'public' AND n.deleted_at IS NULL) AS live_now,
           (o.id IS NOT NULL AND o.visibility = 'public' AND o.deleted_at IS NULL) AS live_before,
           (n.title, n.description, n.url, n.thumbnail_url, n.category_code, n.duration_seconds, n.language, n.published_at)
             IS DISTINCT FROM (o.title, o.description, o.url, o.thumbnail_url, o.category_code, o.duration_seconds, o.language, o.published_at) AS edited
    FROM new_rows n FULL JOIN old_rows o ON o.id = n.id
  )
  INSERT INTO seo.pending_url AS p (content_item_id, user_id, change)
  SELECT c.id, c.user_id, CASE WHEN c.live_now THEN 'updated' ELSE 'deleted' END
  FROM changes c
  JOIN seo.setting s ON s.user_id = c.user_id AND s.auto_submit
  JOIN public.users u ON u.id = c.user_id AND u.is_public AND u.deleted_at IS NULL
  WHERE (c.live_now AND (NOT c.live_before OR c.edited)) OR (c.live_before AND NOT c.live_now)
  ON CONFLICT (content_item_id) DO UPDATE SET change = EXCLUDED.change, changed_at = now();
  RETURN NULL;
END $$;
ALTER FUNCTION public.queue_seo_changes() OWNER TO streamvibe_definer;
REVOKE ALL ON FUNCTION public.queue_seo_changes() FROM PUBLIC;

-- Statement-level with transition tables: a sync page of hundreds of items is one INSERT … SELECT here, not one per row.
-- (Transition tables need one trigger per event; an INSERT has no old rows, a DELETE no new ones: empty stand-ins.)
CREATE FUNCTION public.queue_seo_inserts() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  INSERT INTO seo.pending_url AS p (content_item_id, user_id, change)
  SELECT n.id, n.user_id, 'updated'
  FROM new_rows n
  JOIN seo.setting s ON s.user_id = n.user_id AND s.auto_submit
  JOIN public.users u ON u.id = n.user_id AND u.is_public AND u.deleted_at IS NULL
  WHERE n.visibility = 'public' AND n.deleted_at IS NULL
  ON CONFLICT (content_item_id) DO UPDATE SET change = EXCLUDED.change, changed_at = now();
  RETURN NULL;
END $$;
ALTER FUNCTION public.queue_seo_inserts() OWNER TO streamvibe_definer;
REVOKE ALL ON FUNCTION public.queue_seo_inserts() FROM PUBLIC;

CREATE FUNCTION public.queue_seo_deletes() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  INSERT INTO seo.pending_url AS p (content_item_id, user_id, change)
  SELECT o.id, o.user_id, 'deleted'
  FROM old_rows o
  JOIN seo.setting s ON s.user_id = o.user_id AND s.auto_submit
  JOIN public.users u ON u.id = o.user_id AND u.is_public AND u.deleted_at IS NULL
  WHERE o.visibility = 'public' AND o.deleted_at IS NULL
  ON CONFLICT (content_item_id) DO UPDATE SET change = EXCLUDED.change, changed_at = now();
  RETURN NULL;
END $$;
ALTER FUNCTION public.queue_seo_deletes() OWNER TO streamvibe_definer;
REVOKE ALL ON FUNCTION public.queue_seo_deletes() FROM PUBLIC;

CREATE TRIGGER content_item_seo_insert AFTER INSERT ON content_item
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.queue_seo_inserts();
CREATE TRIGGER content_item_seo_update AFTER UPDATE ON content_item
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION public.queue_seo_changes();
CREATE TRIGGER content_item_seo_delete AFTER DELETE ON content_item
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION public.queue_seo_deletes();

-- ---------------------------------------------------------------------------------------------
-- Limits: the engine's daily limit per user (seo_usage)
-- ---------------------------------------------------------------------------------------------

-- Takes p_count of today's (UTC) submissions to the engine for the user, all or none: false when the engine's
-- daily_quota would be passed. One statement: concurrent takers queue on the usage row and each sees the last count.
CREATE FUNCTION public.take_seo_daily_usage(p_user_id uuid, p_search_engine_id uuid, p_count integer) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  v_limit integer;
  v_taken boolean;
BEGIN
  IF p_count IS NULL OR p_count < 1 THEN
    RAISE EXCEPTION 'p_count must be positive, got %', p_count USING ERRCODE = '22023';
  END IF;
  SELECT coalesce(e.daily_quota, 2147483647) INTO v_limit FROM public.search_engine e WHERE e.id = p_search_engine_id;
  IF v_limit IS NULL OR p_count > v_limit THEN
    RETURN false;
  END IF;
  INSERT INTO public.seo_usage AS u (user_id, search_engine_id, usage_date, submissions_count)
  VALUES (p_user_id, p_search_engine_id, (now() AT TIME ZONE 'UTC')::date, p_count)
  ON CONFLICT (user_id, search_engine_id, usage_date) DO UPDATE SET
    submissions_count = u.submissions_count + EXCLUDED.submissions_count, updated_at = now()
  WHERE u.submissions_count + EXCLUDED.submissions_count <= v_limit
  RETURNING true INTO v_taken;
  RETURN coalesce(v_taken, false);
END $$;
ALTER FUNCTION public.take_seo_daily_usage(uuid, uuid, integer) OWNER TO streamvibe_definer;
REVOKE ALL ON FUNCTION public.take_seo_daily_usage(uuid, uuid, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.take_seo_daily_usage(uuid, uuid, integer) TO service_role;

-- ---------------------------------------------------------------------------------------------
-- Manual submission
-- ---------------------------------------------------------------------------------------------

-- The canonical URL of one of the user's discoverable items, or null (not theirs, not public, deleted).
CREATE FUNCTION public.seo_owned_page_url(p_user_id uuid, p_site text, p_content_item_id uuid, p_creator_slug text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT CASE
    WHEN p_content_item_id IS NOT NULL THEN (
      SELECT p_site || '/content/' || c.id FROM public.content_item c JOIN public.users u ON u.id = c.user_id
      WHERE c.id = p_content_item_id AND c.user_id = p_user_id AND c.visibility = 'public' AND c.deleted_at IS NULL
        AND u.is_public AND u.deleted_at IS NULL)
    ELSE (
      SELECT p_site || '/creator/' || u.profile_slug FROM public.users u
      WHERE u.id = p_user_id AND u.profile_slug = p_creator_slug AND u.is_public AND u.deleted_at IS NULL)
  END
$$;
ALTER FUNCTION public.seo_owned_page_url(uuid, text, uuid, text) OWNER TO streamvibe_definer;
REVOKE ALL ON FUNCTION public.seo_owned_page_url(uuid, text, uuid, text) FROM PUBLIC;

-- One of the user's public pages (an item by id, or their creator page by slug) to one engine, as a seo_submit job.
-- Outcomes: created; open (the URL already waits for this engine: that submission, nothing taken); not_found (not one
-- of the user's public pages); no_connection (Google and Bing need an active connection whose site_url starts the
-- URL); daily_limit (the engine's daily limit for the user is reached); quota (the month's SEO quota is spent, or the
-- tier has none). The open-submission index makes concurrent requests for one URL create one submission; the daily
-- usage and the monthly quota are each one conditional statement (and a user's requests queue on one lock, the lock
-- request_quota_job takes), so concurrent requests take exactly what is left.
CREATE FUNCTION public.request_seo_submission(p_user_id uuid, p_site text, p_engine text, p_content_item_id uuid, p_creator_slug text)
RETURNS TABLE (outcome text, submission_id uuid, job_id uuid, submitted_url text, quota_limit integer, quota_used integer,
               resets_at timestamptz, tier text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
#variable_conflict use_column
DECLARE
  v_url text;
  v_engine record;
  v_connection uuid;
  v_submission uuid;
  v_job uuid;
  v_quota record;
  v_kind record;
BEGIN
  IF p_user_id IS NULL OR (p_content_item_id IS NULL) = (p_creator_slug IS NULL) THEN
    RAISE EXCEPTION 'a submission needs a user and exactly one of an item or a creator slug' USING ERRCODE = '22023';
  END IF;
  -- One user's submissions, manual or drained, one at a time: the usage and quota read by the drain stay true.
  PERFORM pg_advisory_xact_lock(6006, hashtext(p_user_id::text));
  v_url := public.seo_owned_page_url(p_user_id, p_site, p_content_item_id, p_creator_slug);
  IF v_url IS NULL THEN
    RETURN QUERY SELECT 'not_found', NULL::uuid, NULL::uuid, NULL::text, NULL::integer, NULL::integer, NULL::timestamptz, NULL::text;
    RETURN;
  END IF;
  SELECT e.id, e.slug, e.submission_method INTO v_engine FROM public.search_engine e WHERE e.slug = p_engine AND e.is_active;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown search engine %', p_engine USING ERRCODE = '22023';
  END IF;
  IF v_engine.submission_method <> 'indexnow' OR v_engine.slug <> 'indexnow' THEN
    SELECT c.id INTO v_connection FROM public.seo_connection c
    WHERE c.user_id = p_user_id AND c.search_engine_id = v_engine.id AND c.is_active AND c.is_verified
      AND starts_with(v_url, c.site_url)
    ORDER BY char_length(c.site_url) DESC LIMIT 1;
    IF v_connection IS NULL THEN
      RETURN QUERY SELECT 'no_connection', NULL::uuid, NULL::uuid, v_url, NULL::integer, NULL::integer, NULL::timestamptz, NULL::text;
      RETURN;
    END IF;
  END IF;

  INSERT INTO public.seo_submission (connection_id, search_engine_id, user_id, content_item_id, submitted_url, submission_type, source)
  VALUES (v_connection, v_engine.id, p_user_id, p_content_item_id, v_url, 'URL_UPDATED', 'manual')
  ON CONFLICT (search_engine_id, submitted_url) WHERE status IN ('pending', 'rate_limited') DO NOTHING
  RETURNING id INTO v_submission;
  IF v_submission IS NULL THEN
    RETURN QUERY SELECT 'open', s.id, s.job_id, s.submitted_url, NULL::integer, NULL::integer, NULL::timestamptz, NULL::text
      FROM public.seo_submission s
      WHERE s.search_engine_id = v_engine.id AND s.submitted_url = v_url AND s.status IN ('pending', 'rate_limited');
    RETURN;
  END IF;

  IF NOT public.take_seo_daily_usage(p_user_id, v_engine.id, 1) THEN
    DELETE FROM public.seo_submission WHERE id = v_submission;
    RETURN QUERY SELECT 'daily_limit', NULL::uuid, NULL::uuid, v_url, e.daily_quota, u.submissions_count,
                        ((now() AT TIME ZONE 'UTC')::date + 1)::timestamp AT TIME ZONE 'UTC', NULL::text
      FROM public.search_engine e
      LEFT JOIN public.seo_usage u ON u.user_id = p_user_id AND u.search_engine_id = e.id AND u.usage_date = (now() AT TIME ZONE 'UTC')::date
      WHERE e.id = v_engine.id;
    RETURN;
  END IF;
  IF NOT public.increment_quota(p_user_id, 'seo_submission', 1) THEN
    DELETE FROM public.seo_submission WHERE id = v_submission;
    UPDATE public.seo_usage SET submissions_count = submissions_count - 1
      WHERE user_id = p_user_id AND search_engine_id = v_engine.id AND usage_date = (now() AT TIME ZONE 'UTC')::date;
    SELECT q.max_seo_submissions, q.seo_submissions_used, q.cycle_end_date, q.tier_slug INTO v_quota FROM public.effective_quota(p_user_id) q;
    RETURN QUERY SELECT 'quota', NULL::uuid, NULL::uuid, v_url, v_quota.max_seo_submissions, v_quota.seo_submissions_used,
                        v_quota.cycle_end_date, v_quota.tier_slug;
    RETURN;
  END IF;

  SELECT t.id AS type_id, t.default_priority, t.max_retries INTO v_kind
    FROM meta.job_kind k JOIN public.job_type t ON t.id = k.job_type_id WHERE k.kind = 'seo_submit';
  INSERT INTO public.job_queue (user_id, job_type, job_type_id, params, priority, max_retries, scheduled_for)
  VALUES (p_user_id, 'seo_submit', v_kind.type_id, jsonb_build_object('submission_id', v_submission, 'engine', v_engine.slug),
          v_kind.default_priority, v_kind.max_retries, now())
  RETURNING id INTO v_job;
  UPDATE public.seo_submission SET job_id = v_job WHERE id = v_submission;
  RETURN QUERY SELECT 'created', v_submission, v_job, v_url, NULL::integer, NULL::integer, NULL::timestamptz, NULL::text;
END $$;
ALTER FUNCTION public.request_seo_submission(uuid, text, text, uuid, text) OWNER TO streamvibe_definer;
REVOKE ALL ON FUNCTION public.request_seo_submission(uuid, text, text, uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.request_seo_submission(uuid, text, text, uuid, text) TO service_role;

-- ---------------------------------------------------------------------------------------------
-- Auto-submit: draining the queue
-- ---------------------------------------------------------------------------------------------

-- Takes the queued changes of every creator whose queue has been quiet for p_quiet (or has waited p_max_wait) and makes
-- them submissions: to IndexNow when p_indexnow (the stage has a key), and to each of the creator's active, verified
-- Google and Bing connections whose site_url starts the URL. Each (creator, engine) gets what its daily limit and the
-- month's quota leave, oldest change first; the rest is dropped and the creator told (once a day). A URL with an open
-- submission for the engine is left to it. Then the jobs: IndexNow's 10,000 URLs of the site's host in one POST,
-- whoever's they are; per connection, up to 10,000 for Bing (one quota read, then batches of 500) and 100 for Google
-- (one publish each, so a job stays well inside the worker's time).
CREATE FUNCTION public.drain_seo_pending(p_site text, p_indexnow boolean, p_quiet interval, p_max_wait interval)
RETURNS TABLE (job_id uuid, engine text, urls integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
#variable_conflict use_column
DECLARE
  v_user uuid;
  v_taken seo.pending_url[];
  v_allowed jsonb;
  v_rows jsonb := '[]';
  v_wanted integer;
  v_count integer;
  v_monthly_left integer;
  v_usage record;
  v_kind record;
BEGIN
  -- Per creator, under the lock their manual requests take: what their limits let through, and those limits taken.
  FOR v_user IN
    SELECT p.user_id FROM seo.pending_url p GROUP BY p.user_id
    HAVING max(p.changed_at) <= now() - p_quiet OR min(p.queued_at) <= now() - p_max_wait
  LOOP
    PERFORM pg_advisory_xact_lock(6006, hashtext(v_user::text));
    WITH taken AS (DELETE FROM seo.pending_url p WHERE p.user_id = v_user RETURNING p.*)
    SELECT array_agg(t ORDER BY t.queued_at, t.content_item_id) INTO v_taken FROM taken t;
    CONTINUE WHEN v_taken IS NULL;
    SELECT greatest(q.max_seo_submissions - q.seo_submissions_used, 0) INTO v_monthly_left FROM public.effective_quota(v_user) q;

    WITH target AS (
      SELECT t.content_item_id, p_site || '/content/' || t.content_item_id AS url,
             CASE t.change WHEN 'deleted' THEN 'URL_DELETED' ELSE 'URL_UPDATED' END AS submission_type, t.queued_at,
             e.id AS engine_id, NULL::uuid AS connection_id
      FROM unnest(v_taken) t CROSS JOIN public.search_engine e
      WHERE p_indexnow AND e.slug = 'indexnow' AND e.is_active
      UNION ALL
      SELECT * FROM (
        SELECT DISTINCT ON (t.content_item_id, c.search_engine_id)
               t.content_item_id, p_site || '/content/' || t.content_item_id,
               CASE t.change WHEN 'deleted' THEN 'URL_DELETED' ELSE 'URL_UPDATED' END, t.queued_at, c.search_engine_id, c.id
        FROM unnest(v_taken) t
        JOIN public.seo_connection c ON c.user_id = v_user AND c.is_active AND c.is_verified
          AND starts_with(p_site || '/content/' || t.content_item_id, c.site_url)
        JOIN public.search_engine e ON e.id = c.search_engine_id AND e.is_active
        ORDER BY t.content_item_id, c.search_engine_id, char_length(c.site_url) DESC) by_connection
    ), fresh AS (
      -- A URL already waiting for the engine is announced by that submission.
      SELECT t.* FROM target t
      WHERE NOT EXISTS (SELECT 1 FROM public.seo_submission s WHERE s.search_engine_id = t.engine_id AND s.submitted_url = t.url
                          AND s.status IN ('pending', 'rate_limited'))
    ), within_daily AS (
      SELECT f.*, row_number() OVER (PARTITION BY f.engine_id ORDER BY f.queued_at, f.content_item_id) AS engine_rank,
             coalesce(e.daily_quota, 2147483647) - coalesce(u.submissions_count, 0) AS daily_left
      FROM fresh f
      JOIN public.search_engine e ON e.id = f.engine_id
      LEFT JOIN public.seo_usage u ON u.user_id = v_user AND u.search_engine_id = f.engine_id
                                  AND u.usage_date = (now() AT TIME ZONE 'UTC')::date
    ), allowed AS (
      SELECT d.*, row_number() OVER (ORDER BY d.queued_at, d.content_item_id, d.engine_id) AS overall_rank
      FROM within_daily d WHERE d.engine_rank <= d.daily_left
    )
    SELECT (SELECT count(*) FROM fresh)::integer,
           coalesce((SELECT jsonb_agg(jsonb_build_object('content_item_id', a.content_item_id, 'url', a.url, 'submission_type', a.submission_type,
                                                         'queued_at', a.queued_at, 'engine_id', a.engine_id, 'connection_id', a.connection_id,
                                                         'user_id', v_user))
                     FROM allowed a WHERE a.overall_rank <= v_monthly_left), '[]')
      INTO v_wanted, v_allowed;
    v_count := jsonb_array_length(v_allowed);

    FOR v_usage IN
      SELECT x.engine_id, count(*)::integer AS n FROM jsonb_to_recordset(v_allowed) AS x(engine_id uuid) GROUP BY 1
    LOOP
      IF NOT public.take_seo_daily_usage(v_user, v_usage.engine_id, v_usage.n) THEN
        RAISE EXCEPTION 'the daily SEO usage of % changed while its lock was held', v_user;
      END IF;
    END LOOP;
    IF v_count > 0 AND NOT public.increment_quota(v_user, 'seo_submission', v_count) THEN
      RAISE EXCEPTION 'the SEO quota of % changed while its lock was held', v_user;
    END IF;
    IF v_wanted > v_count THEN
      PERFORM public.notify_user(v_user, 'quota_warning', 'Some pages were not submitted to search engines',
        format('Auto-submit skipped %s changed pages: your plan''s monthly SEO submissions or an engine''s daily limit ran out. '
               'Upgrade your plan for more, or submit them later.', v_wanted - v_count),
        'seo_auto_skipped:' || (now() AT TIME ZONE 'UTC')::date, jsonb_build_object('skipped', v_wanted - v_count));
    END IF;
    v_rows := v_rows || v_allowed;
  END LOOP;

  -- Then every creator's submissions with their jobs, in one statement: a job per connection and chunk (IndexNow's: of
  -- the public site, whoever's they are), its id known before either row is written.
  SELECT t.id AS type_id, t.default_priority, t.max_retries INTO v_kind
    FROM meta.job_kind k JOIN public.job_type t ON t.id = k.job_type_id WHERE k.kind = 'seo_bulk_submit';
  RETURN QUERY
  WITH r AS (
    SELECT x.*, e.slug,
           (row_number() OVER (PARTITION BY x.engine_id, x.connection_id ORDER BY x.queued_at, x.content_item_id) - 1)
             / CASE e.slug WHEN 'google' THEN 100 ELSE 10000 END AS chunk
    FROM jsonb_to_recordset(v_rows) AS x(content_item_id uuid, url text, submission_type text, queued_at timestamptz,
                                         engine_id uuid, connection_id uuid, user_id uuid)
    JOIN public.search_engine e ON e.id = x.engine_id
  ), batch AS MATERIALIZED (
    SELECT r.engine_id, r.slug, r.connection_id, r.chunk, gen_random_uuid() AS job_id, count(*)::integer AS urls,
           CASE WHEN r.connection_id IS NULL THEN NULL ELSE (array_agg(r.user_id))[1] END AS user_id
    FROM r GROUP BY r.engine_id, r.slug, r.connection_id, r.chunk
  ), jobs AS (
    INSERT INTO public.job_queue (id, user_id, job_type, job_type_id, params, priority, max_retries, scheduled_for)
    SELECT b.job_id, b.user_id, 'seo_bulk_submit', v_kind.type_id, jsonb_build_object('engine', b.slug, 'urls', b.urls, 'batch', b.job_id),
           v_kind.default_priority, v_kind.max_retries, now()
    FROM batch b
    RETURNING id
  ), submissions AS (
    INSERT INTO public.seo_submission (connection_id, search_engine_id, user_id, content_item_id, submitted_url, submission_type, source, job_id)
    SELECT r.connection_id, r.engine_id, r.user_id, r.content_item_id, r.url, r.submission_type, 'auto', b.job_id
    FROM r JOIN batch b ON b.engine_id = r.engine_id AND b.connection_id IS NOT DISTINCT FROM r.connection_id AND b.chunk = r.chunk
    RETURNING 1
  )
  SELECT b.job_id, b.slug, b.urls FROM batch b
  WHERE (SELECT count(*) FROM jobs) + (SELECT count(*) FROM submissions) >= 0;
END $$;
ALTER FUNCTION public.drain_seo_pending(text, boolean, interval, interval) OWNER TO streamvibe_definer;
REVOKE ALL ON FUNCTION public.drain_seo_pending(text, boolean, interval, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.drain_seo_pending(text, boolean, interval, interval) TO service_role;

-- ---------------------------------------------------------------------------------------------
-- Outcomes
-- ---------------------------------------------------------------------------------------------

-- Writes the engine's answers for a job's URLs, grouped by outcome (`[{ids, status: submitted | failed | rate_limited,
-- response_status?, error?, detail?}]`: a batch of thousands is one group or a few, each one indexed UPDATE): a URL that
-- failed for good gives its unit of the month's quota back; a rate_limited one stays open for the job's next attempt.
-- Only the job's own open submissions change.
CREATE FUNCTION public.record_seo_results(p_job_id uuid, p_outcomes jsonb)
RETURNS TABLE (submitted integer, failed integer, waiting integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
#variable_conflict use_column
DECLARE
  v_group record;
  v_user record;
  v_counts integer[] := ARRAY[0, 0, 0];
BEGIN
  FOR v_group IN
    SELECT * FROM jsonb_to_recordset(p_outcomes) AS x(ids uuid[], status text, response_status integer, error text, detail text)
  LOOP
    IF v_group.status NOT IN ('submitted', 'failed', 'rate_limited') THEN
      RAISE EXCEPTION 'an outcome is submitted, failed or rate_limited, not %', v_group.status USING ERRCODE = '22023';
    END IF;
    FOR v_user IN
      WITH changed AS (
        UPDATE public.seo_submission s SET
          status = v_group.status,
          response_status = v_group.response_status,
          response_body = CASE WHEN v_group.detail IS NULL THEN NULL ELSE jsonb_build_object('detail', left(v_group.detail, 500)) END,
          error_message = left(v_group.error, 2000),
          submitted_at = CASE WHEN v_group.status = 'submitted' THEN now() ELSE s.submitted_at END,
          retry_count = s.retry_count + CASE WHEN v_group.status = 'rate_limited' THEN 1 ELSE 0 END
        FROM unnest(v_group.ids) i(id)
        WHERE s.id = i.id AND s.job_id = p_job_id AND s.status IN ('pending', 'rate_limited')
        RETURNING s.user_id, s.connection_id)
      SELECT c.user_id, c.connection_id, count(*)::integer AS n FROM changed c GROUP BY 1, 2
    LOOP
      IF v_group.status = 'failed' THEN
        PERFORM public.decrement_quota(v_user.user_id, 'seo_submission', v_user.n);
      ELSIF v_group.status = 'submitted' AND v_user.connection_id IS NOT NULL THEN
        UPDATE public.seo_connection SET last_submission_at = now() WHERE id = v_user.connection_id;
      END IF;
      v_counts[array_position(ARRAY['submitted', 'failed', 'rate_limited'], v_group.status)] :=
        v_counts[array_position(ARRAY['submitted', 'failed', 'rate_limited'], v_group.status)] + v_user.n;
    END LOOP;
  END LOOP;
  RETURN QUERY SELECT v_counts[1], v_counts[2], v_counts[3];
END $$;
ALTER FUNCTION public.record_seo_results(uuid, jsonb) OWNER TO streamvibe_definer;
REVOKE ALL ON FUNCTION public.record_seo_results(uuid, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.record_seo_results(uuid, jsonb) TO service_role;

-- A SEO job that ends without finishing (failed for good, cancelled, expired): its open submissions fail with its
-- reason and give back their units of the month's quota. (Its params carry no quota_type: the quota is per URL.)
CREATE FUNCTION public.fail_seo_job_submissions() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  v_refund record;
BEGIN
  FOR v_refund IN
    WITH failed AS (
      UPDATE public.seo_submission s SET status = 'failed',
        error_message = left(coalesce(NEW.error_message, 'The submission job was ' || NEW.status::text), 2000)
      WHERE s.job_id = NEW.id AND s.status IN ('pending', 'rate_limited')
      RETURNING s.user_id)
    SELECT f.user_id, count(*)::integer AS n FROM failed f GROUP BY f.user_id
  LOOP
    PERFORM public.decrement_quota(v_refund.user_id, 'seo_submission', v_refund.n);
  END LOOP;
  RETURN NULL;
END $$;
ALTER FUNCTION public.fail_seo_job_submissions() OWNER TO streamvibe_definer;
REVOKE ALL ON FUNCTION public.fail_seo_job_submissions() FROM PUBLIC;
CREATE TRIGGER job_queue_seo_ended AFTER UPDATE OF status, next_retry_at ON public.job_queue
  FOR EACH ROW
  WHEN (NEW.job_type IN ('seo_submit', 'seo_bulk_submit')
        AND (NEW.status = 'cancelled' OR (NEW.status = 'failed' AND NEW.next_retry_at IS NULL))
        AND (OLD.status IS DISTINCT FROM NEW.status OR OLD.next_retry_at IS NOT NULL))
  EXECUTE FUNCTION public.fail_seo_job_submissions();
