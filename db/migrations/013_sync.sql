-- 013 sync: what content sync needs beyond the seed's modules.
--
-- request_sync(): a user's (or the auto-sync schedule's) sync of one account, atomically: an active sync of that
-- account is returned as is; otherwise one unit of the month's `sync` quota is consumed and the job created, in the
-- same transaction, or nothing happens and the caller learns the tier's limit and reset date.
--
-- The quota comes back when a job that consumed it fails for good (any path: the worker's last attempt, a stuck job
-- out of retries, an expired one): a trigger on job_queue, keyed by the job's `quota_type` parameter.
--
-- defer_job(): a running job that a provider asked to wait (YouTube's daily quota, an X rate window) goes back to
-- pending until then, without using up a retry; the outbox sweep sends it when due.

CREATE FUNCTION public.request_sync(p_user_id uuid, p_social_account_id uuid, p_kind text, p_params jsonb)
RETURNS TABLE (job_id uuid, created boolean, status public.job_status_enum, quota_exhausted boolean,
               quota_limit integer, quota_used integer, quota_resets_at timestamptz, tier text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
#variable_conflict use_column
DECLARE
  v_job record;
  v_quota record;
BEGIN
  IF p_kind NOT IN ('sync_youtube', 'sync_instagram', 'sync_tiktok', 'sync_facebook', 'sync_twitter', 'auto_sync') THEN
    RAISE EXCEPTION 'not a sync job kind: %', p_kind USING ERRCODE = '22023';
  END IF;
  -- One request per account at a time: the check below and the insert cannot interleave.
  PERFORM pg_advisory_xact_lock(6013, hashtext(p_social_account_id::text));
  SELECT q.id, q.status INTO v_job
    FROM public.job_queue q JOIN public.job_type t ON t.id = q.job_type_id
   WHERE t.slug = 'platform_sync' AND q.user_id = p_user_id AND q.job_type <> 'follower_sync'
     AND q.params->>'social_account_id' = p_social_account_id::text
     AND (q.status IN ('pending', 'processing') OR q.next_retry_at IS NOT NULL)
   LIMIT 1;
  IF FOUND THEN
    RETURN QUERY SELECT v_job.id, false, v_job.status, false, NULL::integer, NULL::integer, NULL::timestamptz, NULL::text;
    RETURN;
  END IF;
  IF NOT public.increment_quota(p_user_id, 'sync', 1) THEN
    SELECT q.max_syncs, q.syncs_used, q.cycle_end_date, q.tier_slug INTO v_quota FROM public.effective_quota(p_user_id) q;
    RETURN QUERY SELECT NULL::uuid, false, NULL::public.job_status_enum, true, v_quota.max_syncs, v_quota.syncs_used,
                        v_quota.cycle_end_date, v_quota.tier_slug;
    RETURN;
  END IF;
  RETURN QUERY
    SELECT f.job_id, f.created, f.status, false, NULL::integer, NULL::integer, NULL::timestamptz, NULL::text
      FROM public.find_or_create_job(p_user_id, p_kind,
             coalesce(p_params, '{}') || jsonb_build_object('social_account_id', p_social_account_id, 'quota_type', 'sync'),
             NULL, interval '0') f;
END $$;
ALTER FUNCTION public.request_sync(uuid, uuid, text, jsonb) OWNER TO streamvibe_definer;
REVOKE ALL ON FUNCTION public.request_sync(uuid, uuid, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.request_sync(uuid, uuid, text, jsonb) TO service_role;

CREATE FUNCTION public.refund_job_quota() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF NEW.user_id IS NOT NULL THEN
    PERFORM public.decrement_quota(NEW.user_id, NEW.params->>'quota_type', 1);
    INSERT INTO public.job_log (job_id, level, message, data)
    VALUES (NEW.id, 'info', 'failed for good: its quota was given back', jsonb_build_object('quota_type', NEW.params->>'quota_type'));
  END IF;
  RETURN NULL;
END $$;
ALTER FUNCTION public.refund_job_quota() OWNER TO streamvibe_definer;
CREATE TRIGGER job_queue_refund_quota AFTER UPDATE OF status, next_retry_at ON public.job_queue
  FOR EACH ROW
  WHEN (NEW.status = 'failed' AND NEW.next_retry_at IS NULL AND NEW.params ? 'quota_type'
        AND (OLD.status IS DISTINCT FROM 'failed' OR OLD.next_retry_at IS NOT NULL))
  EXECUTE FUNCTION public.refund_job_quota();

CREATE FUNCTION public.defer_job(p_job_id uuid, p_reason text, p_until timestamptz, p_worker_id text DEFAULT NULL) RETURNS boolean
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  IF p_until IS NULL OR p_until <= now() OR p_until > now() + interval '2 days' THEN
    RAISE EXCEPTION 'p_until must be within the next two days, got %', p_until USING ERRCODE = '22023';
  END IF;
  UPDATE public.job_queue
     SET status = 'pending', scheduled_for = p_until, dispatched_at = NULL, worker_id = NULL, started_at = NULL,
         heartbeat_at = NULL, progress_message = left(p_reason, 500)
   WHERE id = p_job_id AND status = 'processing' AND (p_worker_id IS NULL OR worker_id = p_worker_id);
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  INSERT INTO public.job_log (job_id, level, message, data)
  VALUES (p_job_id, 'warn', left(p_reason, 4000), jsonb_build_object('deferred_until', p_until));
  RETURN true;
END $$;
REVOKE ALL ON FUNCTION public.defer_job(uuid, text, timestamptz, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.defer_job(uuid, text, timestamptz, text) TO service_role;
