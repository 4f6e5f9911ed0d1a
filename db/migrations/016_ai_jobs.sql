-- 016 AI jobs: a job that costs quota, requested atomically.
--
-- request_quota_job(): the identical active job (same user, kind and parameters) is returned as is; otherwise
-- p_amount units of the month's p_quota_type quota are consumed and the job created in the same transaction, or
-- nothing happens and the caller learns the tier's limit and reset date. Requests of one user queue on the same
-- lock find_or_create_job takes, so concurrent requests never consume twice for one job, and exactly the quota's
-- worth of jobs is created. The monthly quota bounds these jobs, so find_or_create_job's cap of 10 active jobs per
-- user (which guards jobs that cost no quota) does not apply: the row is inserted here. A job that fails for good gives
-- its units back (013's trigger reads `quota_type` and `quota_amount` from its parameters).

CREATE FUNCTION public.request_quota_job(p_user_id uuid, p_kind text, p_params jsonb, p_quota_type text, p_amount integer DEFAULT 1)
RETURNS TABLE (job_id uuid, created boolean, status public.job_status_enum, quota_exhausted boolean,
               quota_limit integer, quota_used integer, quota_resets_at timestamptz, tier text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
#variable_conflict use_column
DECLARE
  v_kind record;
  v_params jsonb;
  v_job record;
  v_quota record;
  v_id uuid;
BEGIN
  IF p_user_id IS NULL THEN
    RAISE EXCEPTION 'a quota job needs a user' USING ERRCODE = '22023';
  END IF;
  PERFORM public.assert_quota_args(p_quota_type, p_amount);
  SELECT k.kind, t.id AS type_id, t.is_active, t.default_priority, t.max_retries INTO v_kind
    FROM meta.job_kind k JOIN public.job_type t ON t.id = k.job_type_id WHERE k.kind = p_kind;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown job type "%"', p_kind USING ERRCODE = '22023';
  END IF;
  IF NOT v_kind.is_active THEN
    RAISE EXCEPTION 'jobs of type % are disabled', p_kind USING ERRCODE = '55000';
  END IF;
  v_params := coalesce(p_params, '{}') || jsonb_build_object('quota_type', p_quota_type, 'quota_amount', p_amount);

  PERFORM pg_advisory_xact_lock(6006, hashtext(p_user_id::text));
  SELECT q.id, q.status INTO v_job FROM public.job_queue q
   WHERE q.user_id = p_user_id AND q.job_type = p_kind AND q.params_hash = md5(v_params::text) AND q.params = v_params
     AND (q.status IN ('pending', 'processing') OR q.next_retry_at IS NOT NULL);
  IF FOUND THEN
    RETURN QUERY SELECT v_job.id, false, v_job.status, false, NULL::integer, NULL::integer, NULL::timestamptz, NULL::text;
    RETURN;
  END IF;
  IF NOT public.increment_quota(p_user_id, p_quota_type, p_amount) THEN
    SELECT CASE p_quota_type WHEN 'sync' THEN q.max_syncs WHEN 'ai_analysis' THEN q.max_ai_analyses ELSE q.max_seo_submissions END AS lim,
           CASE p_quota_type WHEN 'sync' THEN q.syncs_used WHEN 'ai_analysis' THEN q.ai_analyses_used ELSE q.seo_submissions_used END AS used,
           q.cycle_end_date, q.tier_slug
      INTO v_quota FROM public.effective_quota(p_user_id) q;
    RETURN QUERY SELECT NULL::uuid, false, NULL::public.job_status_enum, true, v_quota.lim, v_quota.used, v_quota.cycle_end_date, v_quota.tier_slug;
    RETURN;
  END IF;
  INSERT INTO public.job_queue (user_id, job_type, job_type_id, params, priority, max_retries, scheduled_for)
  VALUES (p_user_id, p_kind, v_kind.type_id, v_params, v_kind.default_priority, v_kind.max_retries, now())
  RETURNING id INTO v_id;
  RETURN QUERY SELECT v_id, true, 'pending'::public.job_status_enum, false, NULL::integer, NULL::integer, NULL::timestamptz, NULL::text;
END $$;
ALTER FUNCTION public.request_quota_job(uuid, text, jsonb, text, integer) OWNER TO streamvibe_definer;
REVOKE ALL ON FUNCTION public.request_quota_job(uuid, text, jsonb, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.request_quota_job(uuid, text, jsonb, text, integer) TO service_role;

-- The refund gives back what the job took (bulk jobs take one unit per item).
CREATE OR REPLACE FUNCTION public.refund_job_quota() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  v_amount integer := coalesce((NEW.params->>'quota_amount')::integer, 1);
BEGIN
  IF NEW.user_id IS NOT NULL THEN
    PERFORM public.decrement_quota(NEW.user_id, NEW.params->>'quota_type', v_amount);
    INSERT INTO public.job_log (job_id, level, message, data)
    VALUES (NEW.id, 'info', 'failed for good: its quota was given back',
            jsonb_build_object('quota_type', NEW.params->>'quota_type', 'amount', v_amount));
  END IF;
  RETURN NULL;
END $$;

-- apply_ai_suggestion(): writes chosen parts of a suggestion to its item in one transaction — the title (one of the
-- suggested ones), the suggested description, the AI tags (a subset of the suggested ones, replacing the item's
-- previous AI tags; the creator's and the platform's stay) — records each applied field with its previous value, and
-- marks the suggestion applied (every part) or partially applied. Called by the owner (auth.uid(): the revision the
-- item's trigger records is theirs, change source 'user') or by the AI worker as service_role for `auto` mode
-- (auth.uid() null: change source 'system'). Another user's suggestion is not found.
CREATE FUNCTION public.apply_ai_suggestion(p_suggestion_id uuid, p_title text, p_description boolean, p_tags text[],
                                           p_mode public.action_mode_enum)
RETURNS TABLE (content_item_id uuid, status text, applied text[])
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
#variable_conflict use_column
DECLARE
  v_uid uuid := auth.uid();
  v_s record;
  v_item record;
  v_applied text[] := '{}';
  v_tags text[];
BEGIN
  IF v_uid IS NULL AND coalesce(auth.role(), '') <> 'service_role' THEN
    RAISE EXCEPTION 'applying a suggestion needs its owner' USING ERRCODE = '42501';
  END IF;
  SELECT s.* INTO v_s FROM public.ai_suggestion s
   WHERE s.id = p_suggestion_id AND (v_uid IS NULL OR s.user_id = v_uid) FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'No such suggestion' USING ERRCODE = 'P0002';
  END IF;
  IF v_s.status NOT IN ('pending', 'partially_applied') THEN
    RAISE EXCEPTION 'This suggestion is % and cannot be applied', v_s.status USING ERRCODE = '55000';
  END IF;
  SELECT c.id, c.title, c.description, c.deleted_at INTO v_item FROM public.content_item c
   WHERE c.id = v_s.content_item_id AND c.user_id = v_s.user_id FOR UPDATE;
  IF NOT FOUND OR v_item.deleted_at IS NOT NULL THEN
    RAISE EXCEPTION 'The item of this suggestion is deleted' USING ERRCODE = '55000';
  END IF;
  IF p_title IS NOT NULL AND NOT (p_title = ANY (v_s.suggested_titles)) THEN
    RAISE EXCEPTION 'title must be one of the suggested titles' USING ERRCODE = '22023';
  END IF;
  IF p_tags IS NOT NULL AND NOT (p_tags <@ v_s.suggested_tags) THEN
    RAISE EXCEPTION 'tags must be among the suggested tags' USING ERRCODE = '22023';
  END IF;
  IF coalesce(p_description, false) AND v_s.suggested_description IS NULL THEN
    RAISE EXCEPTION 'this suggestion has no description' USING ERRCODE = '22023';
  END IF;

  IF p_title IS NOT NULL OR coalesce(p_description, false) THEN
    UPDATE public.content_item c
       SET title = coalesce(p_title, c.title),
           description = CASE WHEN p_description THEN left(v_s.suggested_description, 10000) ELSE c.description END
     WHERE c.id = v_item.id;
  END IF;
  IF p_title IS NOT NULL THEN
    INSERT INTO public.ai_suggestion_application (suggestion_id, content_item_id, user_id, field, previous_value, applied_value, applied_mode, applied_by)
    VALUES (v_s.id, v_item.id, v_s.user_id, 'title', to_jsonb(v_item.title), to_jsonb(p_title), p_mode, v_uid);
    v_applied := array_append(v_applied, 'title');
  END IF;
  IF coalesce(p_description, false) THEN
    INSERT INTO public.ai_suggestion_application (suggestion_id, content_item_id, user_id, field, previous_value, applied_value, applied_mode, applied_by)
    VALUES (v_s.id, v_item.id, v_s.user_id, 'description', to_jsonb(v_item.description), to_jsonb(v_s.suggested_description), p_mode, v_uid);
    v_applied := array_append(v_applied, 'description');
  END IF;
  IF p_tags IS NOT NULL THEN
    SELECT coalesce(array_agg(t.tag ORDER BY t.tag), '{}') INTO v_tags FROM public.content_tag t
     WHERE t.content_id = v_item.id AND t.source = 'ai_generated';
    DELETE FROM public.content_tag t WHERE t.content_id = v_item.id AND t.source = 'ai_generated';
    INSERT INTO public.content_tag (content_id, tag, source, tag_type)
    SELECT v_item.id, lower(tag), 'ai_generated', 'keyword' FROM unnest(p_tags) AS tag
    ON CONFLICT (content_id, tag) DO NOTHING;
    INSERT INTO public.ai_suggestion_application (suggestion_id, content_item_id, user_id, field, previous_value, applied_value, applied_mode, applied_by)
    VALUES (v_s.id, v_item.id, v_s.user_id, 'tags', to_jsonb(v_tags), to_jsonb(p_tags), p_mode, v_uid);
    v_applied := array_append(v_applied, 'tags');
  END IF;
  IF cardinality(v_applied) = 0 THEN
    RAISE EXCEPTION 'Choose at least one part to apply: title, description or tags' USING ERRCODE = '22023';
  END IF;

  UPDATE public.ai_suggestion s SET status =
    CASE WHEN EXISTS (SELECT 1 FROM public.ai_suggestion_application a WHERE a.suggestion_id = s.id AND a.field = 'title')
          AND (s.suggested_description IS NULL OR EXISTS (SELECT 1 FROM public.ai_suggestion_application a WHERE a.suggestion_id = s.id AND a.field = 'description'))
          AND EXISTS (SELECT 1 FROM public.ai_suggestion_application a WHERE a.suggestion_id = s.id AND a.field = 'tags'
                        AND a.applied_value @> to_jsonb(s.suggested_tags))
         THEN 'applied' ELSE 'partially_applied' END
   WHERE s.id = v_s.id
  RETURNING s.status INTO v_s.status;
  RETURN QUERY SELECT v_item.id, v_s.status, v_applied;
END $$;
ALTER FUNCTION public.apply_ai_suggestion(uuid, text, boolean, text[], public.action_mode_enum) OWNER TO streamvibe_definer;
REVOKE ALL ON FUNCTION public.apply_ai_suggestion(uuid, text, boolean, text[], public.action_mode_enum) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.apply_ai_suggestion(uuid, text, boolean, text[], public.action_mode_enum) TO authenticated, service_role;
