-- 006 async infrastructure: job types and the job-kind catalogue, the job queue and its log, Stripe webhook
-- events, and the Stripe cache functions over 000's cache_store.
--
-- Depends on 000 only. job_queue is the source of truth; SQS carries job ids. After commit the creator sends
-- {job_id} to the queue of the job's category (job_type.queue_name) and calls mark_jobs_dispatched; a
-- scheduled sweeper (claim_undispatched_jobs) sends any pending row that was never sent (transactional
-- outbox). A worker claims a row with start_job, which wins once, so at-least-once delivery runs a job once.
--
-- Job lifecycle (job_status_enum):
--   pending ──start_job──▶ processing ──complete_job──▶ completed
--      │                      │ fail_job / detect_stuck_jobs
--      │                      ▼
--      │                   failed ── next_retry_at IS NOT NULL: a retry is scheduled; retry_failed_jobs
--      │                      │      requeues it as pending when next_retry_at has come
--      │                      └───── next_retry_at IS NULL: failed for good
--      └─ expire_stale_jobs ▶ failed            cancel_job / cancel_my_job: pending|processing|retrying ▶ cancelled
-- A job is *active* while pending, processing or failed with a retry scheduled: the per-user cap and the
-- dedupe both count exactly those rows (the predicate of job_queue_active_dedupe_key).
--
-- Error codes raised here (the API maps them in one place):
--   SV429  per-user active-job limit reached (class SV = StreamVibe domain errors; the last three digits are
--          the HTTP status the API answers with). The message is written for the end user.
--   22023  invalid argument (unknown job type, progress out of range, bad limit, …); the message names it.
--   55000  the job type is disabled (job_type.is_active = false).
--   0A000  find_or_create_job/create_job called under REPEATABLE READ, where its cap and dedupe checks
--          would read a snapshot older than the lock they wait for.

CREATE TYPE job_status_enum AS ENUM ('pending', 'processing', 'completed', 'failed', 'cancelled');

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------

-- A category of jobs: one SQS queue (streamvibe-<stage>-<queue_name>), its worker's timeout and retry policy.
CREATE TABLE job_type (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug              text NOT NULL UNIQUE CHECK (slug ~ '^[a-z][a-z0-9_]*$' AND char_length(slug) <= 50),
  display_name      text NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 100),
  description       text CHECK (char_length(description) <= 1000),
  queue_name        text NOT NULL CHECK (queue_name ~ '^[a-z][a-z0-9-]*$' AND char_length(queue_name) <= 40),
  default_priority  integer NOT NULL DEFAULT 5 CHECK (default_priority BETWEEN 1 AND 10),  -- 10 = most urgent
  max_retries       integer NOT NULL DEFAULT 3 CHECK (max_retries BETWEEN 0 AND 20),
  timeout_seconds   integer NOT NULL DEFAULT 300 CHECK (timeout_seconds BETWEEN 1 AND 900),  -- the worker Lambda's timeout
  is_active         boolean NOT NULL DEFAULT true,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER job_type_updated_at BEFORE UPDATE ON job_type FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- The concrete job kinds, each tied to exactly one job type. A catalogue rather than a CHECK list, so the
-- database enforces kind → category; it lives in meta because public holds exactly the seed's 38 tables.
CREATE TABLE meta.job_kind (
  kind           text PRIMARY KEY CHECK (kind ~ '^[a-z][a-z0-9_]*$' AND char_length(kind) <= 50),
  job_type_id    uuid NOT NULL REFERENCES public.job_type (id),
  description    text NOT NULL,
  user_required  boolean NOT NULL DEFAULT true,  -- false: may also run as a system job (user_id null)
  created_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (kind, job_type_id)  -- the target of job_queue's composite foreign key
);

CREATE TABLE job_queue (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id           uuid REFERENCES users (id) ON DELETE CASCADE,  -- null: a system job (e.g. trending_refresh)
  job_type          text NOT NULL,  -- the kind (meta.job_kind.kind), e.g. 'sync_youtube'
  job_type_id       uuid NOT NULL,  -- its category (job_type.id), fixed by the kind
  params            jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(params) = 'object'),
  -- jsonb's text form is canonical (sorted keys, no duplicates), so equal params hash equally.
  params_hash       text NOT NULL GENERATED ALWAYS AS (md5(params::text)) STORED,
  status            job_status_enum NOT NULL DEFAULT 'pending',
  priority          integer NOT NULL DEFAULT 5 CHECK (priority BETWEEN 1 AND 10),  -- 10 = most urgent
  progress          integer NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
  progress_message  text CHECK (char_length(progress_message) <= 500),
  result            jsonb,
  error_message     text CHECK (char_length(error_message) <= 4000),  -- the last failure (kept while retrying)
  retry_count       integer NOT NULL DEFAULT 0 CHECK (retry_count >= 0),  -- retries started so far
  max_retries       integer NOT NULL DEFAULT 3 CHECK (max_retries BETWEEN 0 AND 20),
  scheduled_for     timestamptz NOT NULL DEFAULT now(),  -- not started (nor dispatched) before this
  next_retry_at     timestamptz,  -- failed with a retry scheduled at this time
  dispatched_at     timestamptz,  -- last time its id was sent to SQS (null: never; the outbox sweeper sends it)
  worker_id         text CHECK (char_length(worker_id) BETWEEN 1 AND 200),
  started_at        timestamptz,
  heartbeat_at      timestamptz,  -- start_job and update_job_progress; detect_stuck_jobs watches it
  completed_at      timestamptz,  -- when it reached completed, failed or cancelled
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (job_type, job_type_id) REFERENCES meta.job_kind (kind, job_type_id) ON UPDATE CASCADE,
  CHECK (retry_count <= max_retries),
  CHECK (next_retry_at IS NULL OR status = 'failed'),
  CHECK ((status IN ('completed', 'failed', 'cancelled')) = (completed_at IS NOT NULL)),
  CHECK (status <> 'processing' OR (worker_id IS NOT NULL AND started_at IS NOT NULL AND heartbeat_at IS NOT NULL))
);
-- Dedupe and the per-user cap: at most one active job per (user, kind, params); system jobs (null user) too.
CREATE UNIQUE INDEX job_queue_active_dedupe_key ON job_queue (user_id, job_type, params_hash) NULLS NOT DISTINCT
  WHERE status IN ('pending', 'processing') OR next_retry_at IS NOT NULL;
-- get_user_jobs / get_my_jobs / per-user stats, newest first; also the users FK cascade.
CREATE INDEX job_queue_user_created_idx ON job_queue (user_id, created_at DESC, id DESC);
-- The outbox sweep: never-sent pending rows, most urgent first.
CREATE INDEX job_queue_dispatch_idx ON job_queue (priority DESC, scheduled_for, id) WHERE status = 'pending' AND dispatched_at IS NULL;
-- The outbox sweep, second half: rows sent long ago and still pending (the message was lost).
CREATE INDEX job_queue_redispatch_idx ON job_queue (dispatched_at) WHERE status = 'pending' AND dispatched_at IS NOT NULL;
-- expire_stale_jobs: pending for too long.
CREATE INDEX job_queue_pending_age_idx ON job_queue (scheduled_for) WHERE status = 'pending';
-- detect_stuck_jobs: processing rows whose worker went silent.
CREATE INDEX job_queue_heartbeat_idx ON job_queue (heartbeat_at) WHERE status = 'processing';
-- retry_failed_jobs: failed rows whose retry is due.
CREATE INDEX job_queue_retry_due_idx ON job_queue (next_retry_at) WHERE next_retry_at IS NOT NULL;
-- cleanup_old_jobs: finished rows past retention.
CREATE INDEX job_queue_finished_idx ON job_queue (completed_at) WHERE completed_at IS NOT NULL AND next_retry_at IS NULL;
-- get_cached_job_result and find_or_create_job's reuse of a fresh result.
CREATE INDEX job_queue_result_cache_idx ON job_queue (user_id, job_type, params_hash, completed_at DESC) WHERE status = 'completed';
-- The composite FK: re-mapping a kind to another job type (ON UPDATE CASCADE) finds its rows; per-kind queries.
CREATE INDEX job_queue_kind_idx ON job_queue (job_type, job_type_id);
CREATE TRIGGER job_queue_updated_at BEFORE UPDATE ON job_queue FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE job_log (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id      uuid NOT NULL REFERENCES job_queue (id) ON DELETE CASCADE,
  level       text NOT NULL DEFAULT 'info' CHECK (level IN ('debug', 'info', 'warn', 'error')),
  message     text NOT NULL CHECK (char_length(message) BETWEEN 1 AND 4000),
  data        jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now()
);
-- A job's log in order (the job-status route, the RLS check for users) and the FK cascade.
CREATE INDEX job_log_job_created_idx ON job_log (job_id, created_at, id);
-- cleanup_old_jobs: log lines past retention, also of jobs that are still kept.
CREATE INDEX job_log_created_idx ON job_log (created_at);
-- The operations view of recent job errors across the queue (errors are a small share of all lines).
CREATE INDEX job_log_errors_idx ON job_log (created_at DESC) WHERE level = 'error';

CREATE TABLE stripe_webhook_events (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  stripe_event_id  text NOT NULL UNIQUE CHECK (stripe_event_id ~ '^evt_[A-Za-z0-9_]+$' AND char_length(stripe_event_id) <= 255),
  event_type       text NOT NULL CHECK (event_type ~ '^[a-z0-9_.]+$' AND char_length(event_type) <= 255),
  payload          jsonb NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
  -- pending: received, the receiver is processing it inline; processing: claimed by retry_failed_webhooks;
  -- failed: the last attempt failed (next_retry_at: when to retry; null: given up); processed: done.
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'processing', 'processed', 'failed')),
  attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),  -- processing attempts started
  last_error       text CHECK (char_length(last_error) <= 4000),
  -- failed: the retry time; pending/processing: the end of the current attempt's lease, after which the
  -- attempt is presumed dead and the event is due again.
  next_retry_at    timestamptz,
  processed_at     timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CHECK ((status = 'processed') = (processed_at IS NOT NULL)),
  CHECK (status <> 'processed' OR next_retry_at IS NULL)
);
-- retry_failed_webhooks: events due (retry time come, or lease expired).
CREATE INDEX stripe_webhook_events_due_idx ON stripe_webhook_events (next_retry_at) WHERE next_retry_at IS NOT NULL;
-- The recent-events feed (the seed's "check webhook logged" query) and retention.
CREATE INDEX stripe_webhook_events_created_idx ON stripe_webhook_events (created_at DESC);
-- Billing operations: recent events of one type (investigating or replaying, e.g. invoice.payment_failed).
CREATE INDEX stripe_webhook_events_type_created_idx ON stripe_webhook_events (event_type, created_at DESC);
CREATE TRIGGER stripe_webhook_events_updated_at BEFORE UPDATE ON stripe_webhook_events FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- ---------------------------------------------------------------------------------------------
-- Seed rows
-- ---------------------------------------------------------------------------------------------
INSERT INTO job_type (slug, display_name, description, queue_name, default_priority, max_retries, timeout_seconds) VALUES
  ('platform_sync',  'Platform sync',  'Sync content, metrics and followers from a connected platform.', 'sync',        5, 3, 300),
  ('ai_analysis',    'AI analysis',    'Generate tags, titles and descriptions with an AI provider.',     'ai',          5, 2, 120),
  ('seo_submission', 'SEO submission', 'Submit public pages to search engines.',                          'seo',         3, 5, 60),
  ('quota_reset',    'Maintenance',    'Periodic recomputation: quota cycle reset, trending refresh.',    'maintenance', 9, 5, 300),
  ('token_refresh',  'Token refresh',  'Refresh OAuth tokens before they expire.',                        'tokens',      8, 3, 60);

INSERT INTO meta.job_kind (kind, job_type_id, description, user_required)
SELECT k.kind, t.id, k.description, k.user_required
FROM (VALUES
  ('sync_youtube',            'platform_sync',  'Sync a YouTube channel',                          true),
  ('sync_instagram',          'platform_sync',  'Sync an Instagram account',                       true),
  ('sync_tiktok',             'platform_sync',  'Sync a TikTok account',                           true),
  ('sync_facebook',           'platform_sync',  'Sync a Facebook page',                            true),
  ('sync_twitter',            'platform_sync',  'Sync an X/Twitter account',                       true),
  ('auto_sync',               'platform_sync',  'Scheduled sync of accounts due for it',           false),
  ('follower_sync',           'platform_sync',  'Refresh follower counts',                         true),
  ('ai_generate_tags',        'ai_analysis',    'AI tags for one content item',                    true),
  ('ai_bulk_tag',             'ai_analysis',    'AI tags for many content items',                  true),
  ('ai_generate_title',       'ai_analysis',    'AI title suggestions',                            true),
  ('ai_generate_description', 'ai_analysis',    'AI description suggestions',                      true),
  ('seo_submit',              'seo_submission', 'Submit one URL to search engines',                true),
  ('seo_bulk_submit',         'seo_submission', 'Submit many URLs to search engines',              true),
  ('token_refresh',           'token_refresh',  'Refresh expiring OAuth tokens',                   false),
  ('quota_reset',             'quota_reset',    'Roll ended quota cycles forward',                 false),
  ('trending_refresh',        'quota_reset',    'Recompute trending content',                      false)
) AS k (kind, type_slug, description, user_required)
JOIN job_type t ON t.slug = k.type_slug;

-- ---------------------------------------------------------------------------------------------
-- Job functions (service_role: the API, workers and schedules)
-- ---------------------------------------------------------------------------------------------

-- Returns the active job with these params (pending, processing, or failed with a retry scheduled) or, when
-- p_reuse_window is given, the newest job with these params completed within it; otherwise creates one.
-- Cap and dedupe hold under concurrency: every creation for a user runs under one advisory lock (held to
-- the end of the caller's transaction), and the partial unique index backs the dedupe for any other writer.
CREATE FUNCTION find_or_create_job(
  p_user_id uuid, p_job_type text, p_params jsonb DEFAULT '{}', p_priority integer DEFAULT NULL,
  p_reuse_window interval DEFAULT '5 minutes', p_scheduled_for timestamptz DEFAULT NULL
) RETURNS TABLE (job_id uuid, created boolean, status public.job_status_enum)
LANGUAGE plpgsql SET search_path = '' AS $$
#variable_conflict use_column
DECLARE
  max_active_jobs CONSTANT integer := 10;
  v_kind record;
  v_params jsonb := coalesce(p_params, '{}');
  v_hash text;
  v_priority integer;
  v_active integer;
  v_id uuid;
  v_status public.job_status_enum;
BEGIN
  SELECT k.kind, k.user_required, t.id AS type_id, t.slug, t.is_active, t.default_priority, t.max_retries
    INTO v_kind
    FROM meta.job_kind k JOIN public.job_type t ON t.id = k.job_type_id
   WHERE k.kind = p_job_type;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown job type "%"', p_job_type USING ERRCODE = '22023',
      HINT = 'one of: ' || (SELECT string_agg(kind, ', ' ORDER BY kind) FROM meta.job_kind);
  END IF;
  IF NOT v_kind.is_active THEN
    RAISE EXCEPTION 'jobs of type % (%) are disabled', p_job_type, v_kind.slug USING ERRCODE = '55000';
  END IF;
  IF p_user_id IS NULL AND v_kind.user_required THEN
    RAISE EXCEPTION 'job type % needs a user (p_user_id)', p_job_type USING ERRCODE = '22023';
  END IF;
  IF jsonb_typeof(v_params) <> 'object' THEN
    RAISE EXCEPTION 'job params must be a JSON object, got %', jsonb_typeof(v_params) USING ERRCODE = '22023';
  END IF;
  v_priority := coalesce(p_priority, v_kind.default_priority);
  IF v_priority NOT BETWEEN 1 AND 10 THEN
    RAISE EXCEPTION 'job priority must be between 1 and 10, got %', v_priority USING ERRCODE = '22023';
  END IF;
  IF p_reuse_window < interval '0' THEN
    RAISE EXCEPTION 'p_reuse_window must not be negative, got %', p_reuse_window USING ERRCODE = '22023';
  END IF;
  IF current_setting('transaction_isolation') = 'repeatable read' THEN
    RAISE EXCEPTION 'creating a job needs READ COMMITTED or SERIALIZABLE isolation, not REPEATABLE READ'
      USING ERRCODE = '0A000', DETAIL = 'Under REPEATABLE READ the cap and duplicate checks would read a snapshot older than the lock they wait for.';
  END IF;

  PERFORM pg_advisory_xact_lock(6006, hashtext(coalesce(p_user_id::text, 'system')));
  v_hash := md5(v_params::text);

  SELECT q.id, q.status INTO v_id, v_status
    FROM public.job_queue q
   WHERE (q.user_id = p_user_id OR (p_user_id IS NULL AND q.user_id IS NULL))
     AND q.job_type = p_job_type AND q.params_hash = v_hash AND q.params = v_params
     AND (q.status IN ('pending', 'processing') OR q.next_retry_at IS NOT NULL);
  IF FOUND THEN
    RETURN QUERY SELECT v_id, false, v_status;
    RETURN;
  END IF;

  IF p_reuse_window > interval '0' THEN
    SELECT q.id, q.status INTO v_id, v_status
      FROM public.job_queue q
     WHERE (q.user_id = p_user_id OR (p_user_id IS NULL AND q.user_id IS NULL))
       AND q.job_type = p_job_type AND q.params_hash = v_hash AND q.params = v_params
       AND q.status = 'completed' AND q.completed_at >= now() - p_reuse_window
     ORDER BY q.completed_at DESC
     LIMIT 1;
    IF FOUND THEN
      RETURN QUERY SELECT v_id, false, v_status;
      RETURN;
    END IF;
  END IF;

  IF p_user_id IS NOT NULL THEN
    SELECT count(*) INTO v_active
      FROM public.job_queue q
     WHERE q.user_id = p_user_id AND (q.status IN ('pending', 'processing') OR q.next_retry_at IS NOT NULL);
    IF v_active >= max_active_jobs THEN
      RAISE EXCEPTION 'You already have % jobs running or waiting. Wait for one to finish (or cancel one), then try again.', v_active
        USING ERRCODE = 'SV429', DETAIL = format('active_jobs=%s limit=%s', v_active, max_active_jobs);
    END IF;
  END IF;

  INSERT INTO public.job_queue (user_id, job_type, job_type_id, params, priority, max_retries, scheduled_for)
  VALUES (p_user_id, p_job_type, v_kind.type_id, v_params, v_priority, v_kind.max_retries, coalesce(p_scheduled_for, now()))
  ON CONFLICT (user_id, job_type, params_hash) WHERE status IN ('pending', 'processing') OR next_retry_at IS NOT NULL
  DO NOTHING
  RETURNING id INTO v_id;
  IF v_id IS NOT NULL THEN
    RETURN QUERY SELECT v_id, true, 'pending'::public.job_status_enum;
    RETURN;
  END IF;
  -- A writer that bypasses this function (a direct insert, a requeue) got there first: that row is the job.
  RETURN QUERY
    SELECT q.id, false, q.status FROM public.job_queue q
     WHERE (q.user_id = p_user_id OR (p_user_id IS NULL AND q.user_id IS NULL))
       AND q.job_type = p_job_type AND q.params_hash = v_hash
       AND (q.status IN ('pending', 'processing') OR q.next_retry_at IS NOT NULL);
END $$;

-- Enqueues a job and returns its id; an identical active job is returned instead of a duplicate.
-- Raises SV429 when the user already has 10 active jobs.
CREATE FUNCTION create_job(
  p_user_id uuid, p_job_type text, p_params jsonb DEFAULT '{}', p_priority integer DEFAULT NULL,
  p_scheduled_for timestamptz DEFAULT NULL
) RETURNS uuid
LANGUAGE sql SET search_path = '' AS $$
  SELECT f.job_id FROM public.find_or_create_job(p_user_id, p_job_type, p_params, p_priority, NULL, p_scheduled_for) f
$$;

-- A user's jobs, newest first. p_job_type matches a kind ('sync_youtube') or a category ('platform_sync').
CREATE FUNCTION get_user_jobs(
  p_user_id uuid, p_status public.job_status_enum DEFAULT NULL, p_job_type text DEFAULT NULL,
  p_limit integer DEFAULT 20, p_offset integer DEFAULT 0
) RETURNS TABLE (
  id uuid, user_id uuid, job_type text, job_category text, status public.job_status_enum, priority integer,
  progress integer, progress_message text, params jsonb, result jsonb, error_message text, retry_count integer,
  max_retries integer, scheduled_for timestamptz, next_retry_at timestamptz, started_at timestamptz,
  completed_at timestamptz, created_at timestamptz, updated_at timestamptz
)
LANGUAGE plpgsql STABLE SET search_path = '' AS $$
#variable_conflict use_column
BEGIN
  IF p_user_id IS NULL THEN
    RAISE EXCEPTION 'p_user_id is required' USING ERRCODE = '22023';
  END IF;
  IF p_limit IS NULL OR p_limit NOT BETWEEN 1 AND 100 OR p_offset IS NULL OR p_offset < 0 THEN
    RAISE EXCEPTION 'limit must be 1..100 and offset >= 0, got % and %', p_limit, p_offset USING ERRCODE = '22023';
  END IF;
  RETURN QUERY
    SELECT q.id, q.user_id, q.job_type, t.slug, q.status, q.priority, q.progress, q.progress_message, q.params,
           q.result, q.error_message, q.retry_count, q.max_retries, q.scheduled_for, q.next_retry_at, q.started_at,
           q.completed_at, q.created_at, q.updated_at
      FROM public.job_queue q JOIN public.job_type t ON t.id = q.job_type_id
     WHERE q.user_id = p_user_id
       AND (p_status IS NULL OR q.status = p_status)
       AND (p_job_type IS NULL OR q.job_type = p_job_type OR t.slug = p_job_type)
     ORDER BY q.created_at DESC, q.id DESC
     LIMIT p_limit OFFSET p_offset;
END $$;

-- Counts per job kind and status: one user's, or the whole queue's when p_user_id is null (admin route).
CREATE FUNCTION get_job_queue_stats(p_user_id uuid DEFAULT NULL)
RETURNS TABLE (
  job_type text, job_category text, status public.job_status_enum, job_count bigint,
  oldest_created_at timestamptz, newest_created_at timestamptz, avg_duration_seconds numeric
)
LANGUAGE sql STABLE SET search_path = '' AS $$
  SELECT q.job_type, t.slug, q.status, count(*), min(q.created_at), max(q.created_at),
         round(extract(epoch FROM avg(q.completed_at - q.started_at)), 3)
    FROM public.job_queue q JOIN public.job_type t ON t.id = q.job_type_id
   WHERE p_user_id IS NULL OR q.user_id = p_user_id
   GROUP BY q.job_type, t.slug, q.status
   ORDER BY q.job_type, q.status
$$;

-- The newest result of a completed job with these params, if it completed within p_max_age.
CREATE FUNCTION get_cached_job_result(p_user_id uuid, p_job_type text, p_params jsonb, p_max_age interval DEFAULT '1 hour')
RETURNS TABLE (job_id uuid, result jsonb, completed_at timestamptz)
LANGUAGE plpgsql STABLE SET search_path = '' AS $$
#variable_conflict use_column
DECLARE
  v_params jsonb := coalesce(p_params, '{}');
BEGIN
  IF p_max_age IS NULL OR p_max_age <= interval '0' THEN
    RAISE EXCEPTION 'p_max_age must be a positive interval, got %', p_max_age USING ERRCODE = '22023';
  END IF;
  RETURN QUERY
    SELECT q.id, q.result, q.completed_at
      FROM public.job_queue q
     WHERE (q.user_id = p_user_id OR (p_user_id IS NULL AND q.user_id IS NULL))
       AND q.job_type = p_job_type AND q.params_hash = md5(v_params::text) AND q.params = v_params
       AND q.status = 'completed' AND q.completed_at >= now() - p_max_age
     ORDER BY q.completed_at DESC
     LIMIT 1;
END $$;

-- A worker claims a job: true for exactly one caller, and only while it is pending and due.
CREATE FUNCTION start_job(p_job_id uuid, p_worker_id text) RETURNS boolean
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  IF p_worker_id IS NULL OR btrim(p_worker_id) = '' OR char_length(p_worker_id) > 200 THEN
    RAISE EXCEPTION 'p_worker_id must be 1..200 characters' USING ERRCODE = '22023';
  END IF;
  UPDATE public.job_queue
     SET status = 'processing', worker_id = p_worker_id, started_at = now(), heartbeat_at = now(),
         progress = 0, progress_message = NULL
   WHERE id = p_job_id AND status = 'pending' AND scheduled_for <= now();
  RETURN FOUND;
END $$;

-- Progress report and heartbeat. false: the job is no longer this worker's to run (cancelled, timed out):
-- the worker should stop. p_worker_id, when given, must be the worker that started it.
CREATE FUNCTION update_job_progress(p_job_id uuid, p_progress integer, p_message text DEFAULT NULL, p_worker_id text DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  IF p_progress IS NULL OR p_progress NOT BETWEEN 0 AND 100 THEN
    RAISE EXCEPTION 'progress must be between 0 and 100, got %', p_progress USING ERRCODE = '22023';
  END IF;
  UPDATE public.job_queue
     SET progress = p_progress, progress_message = left(p_message, 500), heartbeat_at = now()
   WHERE id = p_job_id AND status = 'processing' AND (p_worker_id IS NULL OR worker_id = p_worker_id);
  RETURN FOUND;
END $$;

-- Stores the result of a running job. false: it was not running (cancelled, timed out, another worker's).
CREATE FUNCTION complete_job(p_job_id uuid, p_result jsonb DEFAULT NULL, p_worker_id text DEFAULT NULL) RETURNS boolean
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  UPDATE public.job_queue
     SET status = 'completed', result = p_result, progress = 100, error_message = NULL, completed_at = now()
   WHERE id = p_job_id AND status = 'processing' AND (p_worker_id IS NULL OR worker_id = p_worker_id);
  RETURN FOUND;
END $$;

-- Records a failed attempt of a running job. While retries remain (and p_retryable), the job waits for a
-- retry after an exponential backoff with jitter: attempt n waits min(1 h, 30 s · 2^(n-1)) × [0.75, 1],
-- so consecutive waits strictly grow until the cap. Otherwise it has failed for good.
CREATE FUNCTION fail_job(p_job_id uuid, p_error text, p_retryable boolean DEFAULT true, p_worker_id text DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_error text := left(coalesce(nullif(btrim(p_error), ''), 'unknown error'), 4000);
  v_job record;
BEGIN
  UPDATE public.job_queue
     SET status = 'failed', error_message = v_error, completed_at = now(),
         next_retry_at = CASE WHEN coalesce(p_retryable, true) AND retry_count < max_retries
                              THEN now() + least(interval '1 hour', interval '30 seconds' * power(2, retry_count))
                                         * (0.75 + 0.25 * random())
                         END
   WHERE id = p_job_id AND status = 'processing' AND (p_worker_id IS NULL OR worker_id = p_worker_id)
  RETURNING retry_count, max_retries, worker_id, next_retry_at INTO v_job;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  INSERT INTO public.job_log (job_id, level, message, data)
  VALUES (p_job_id, 'error', v_error, jsonb_build_object('attempt', v_job.retry_count + 1, 'max_retries', v_job.max_retries,
          'worker_id', v_job.worker_id, 'next_retry_at', v_job.next_retry_at));
  RETURN true;
END $$;

-- Cancels an active job (pending, processing or waiting for a retry); a running worker learns it from
-- update_job_progress/complete_job returning false.
CREATE FUNCTION cancel_job(p_job_id uuid, p_reason text DEFAULT NULL) RETURNS boolean
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_reason text := left('cancelled: ' || coalesce(nullif(btrim(p_reason), ''), 'by the service'), 4000);
BEGIN
  UPDATE public.job_queue
     SET status = 'cancelled', next_retry_at = NULL, completed_at = now(), error_message = v_reason
   WHERE id = p_job_id AND (status IN ('pending', 'processing') OR next_retry_at IS NOT NULL);
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  INSERT INTO public.job_log (job_id, level, message) VALUES (p_job_id, 'info', v_reason);
  RETURN true;
END $$;

-- Appends a line to a job's log; returns its id.
CREATE FUNCTION add_job_log(p_job_id uuid, p_level text, p_message text, p_data jsonb DEFAULT '{}') RETURNS bigint
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_id bigint;
BEGIN
  IF p_level IS NULL OR p_level NOT IN ('debug', 'info', 'warn', 'error') THEN
    RAISE EXCEPTION 'log level must be debug | info | warn | error, got %', coalesce(p_level, 'null') USING ERRCODE = '22023';
  END IF;
  IF p_message IS NULL OR btrim(p_message) = '' THEN
    RAISE EXCEPTION 'log message must not be empty' USING ERRCODE = '22023';
  END IF;
  INSERT INTO public.job_log (job_id, level, message, data)
  VALUES (p_job_id, p_level, left(p_message, 4000), coalesce(p_data, '{}'))
  RETURNING id INTO v_id;
  RETURN v_id;
END $$;

-- Schedule: requeues failed jobs whose retry is due (as pending and undispatched, for the outbox sweeper);
-- a due job without retries left (max_retries lowered meanwhile) fails for good. Returns how many requeued.
CREATE FUNCTION retry_failed_jobs(p_limit integer DEFAULT 500) RETURNS integer
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_requeued integer;
BEGIN
  IF p_limit IS NULL OR p_limit < 1 THEN
    RAISE EXCEPTION 'p_limit must be positive, got %', p_limit USING ERRCODE = '22023';
  END IF;
  UPDATE public.job_queue SET next_retry_at = NULL
   WHERE status = 'failed' AND next_retry_at <= now() AND retry_count >= max_retries;

  WITH due AS (
    SELECT q.id FROM public.job_queue q
     WHERE q.status = 'failed' AND q.next_retry_at <= now() AND q.retry_count < q.max_retries
     ORDER BY q.next_retry_at
     LIMIT p_limit
     FOR UPDATE SKIP LOCKED
  ), requeued AS (
    UPDATE public.job_queue q
       SET status = 'pending', retry_count = q.retry_count + 1, next_retry_at = NULL, scheduled_for = now(),
           dispatched_at = NULL, worker_id = NULL, started_at = NULL, heartbeat_at = NULL, completed_at = NULL,
           progress = 0, progress_message = NULL
      FROM due
     WHERE q.id = due.id
    RETURNING q.id, q.retry_count, q.max_retries
  )
  INSERT INTO public.job_log (job_id, level, message, data)
  SELECT r.id, 'info', format('retry %s of %s queued', r.retry_count, r.max_retries), jsonb_build_object('retry', r.retry_count)
    FROM requeued r;
  GET DIAGNOSTICS v_requeued = ROW_COUNT;
  RETURN v_requeued;
END $$;

-- Schedule: a processing job whose worker sent no heartbeat for p_timeout has failed (the worker died);
-- it is retried like any failure, or fails for good without retries left. Returns how many were found.
CREATE FUNCTION detect_stuck_jobs(p_timeout interval DEFAULT '30 minutes') RETURNS integer
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_job record;
  v_count integer := 0;
BEGIN
  IF p_timeout IS NULL OR p_timeout <= interval '0' THEN
    RAISE EXCEPTION 'p_timeout must be a positive interval, got %', p_timeout USING ERRCODE = '22023';
  END IF;
  FOR v_job IN
    SELECT q.id, q.worker_id, q.heartbeat_at FROM public.job_queue q
     WHERE q.status = 'processing' AND q.heartbeat_at < now() - p_timeout
     ORDER BY q.heartbeat_at
     FOR UPDATE SKIP LOCKED
  LOOP
    PERFORM public.fail_job(v_job.id, format('stuck: worker %s sent no heartbeat since %s (timeout %s)',
                                             v_job.worker_id, v_job.heartbeat_at, p_timeout));
    v_count := v_count + 1;
  END LOOP;
  RETURN v_count;
END $$;

-- Schedule: pending jobs not started within p_max_age of their scheduled time fail (no retry), with the reason.
CREATE FUNCTION expire_stale_jobs(p_max_age interval DEFAULT '24 hours') RETURNS integer
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_count integer;
BEGIN
  IF p_max_age IS NULL OR p_max_age <= interval '0' THEN
    RAISE EXCEPTION 'p_max_age must be a positive interval, got %', p_max_age USING ERRCODE = '22023';
  END IF;
  WITH expired AS (
    UPDATE public.job_queue q
       SET status = 'failed', completed_at = now(),
           error_message = format('expired: not started within %s of its scheduled time', p_max_age)
     WHERE q.status = 'pending' AND q.scheduled_for < now() - p_max_age
    RETURNING q.id, q.error_message
  )
  INSERT INTO public.job_log (job_id, level, message) SELECT e.id, 'warn', e.error_message FROM expired e;
  GET DIAGNOSTICS v_count = ROW_COUNT;
  RETURN v_count;
END $$;

-- Schedule: deletes finished jobs (completed, cancelled, failed for good) and log lines older than
-- p_retention, at most p_limit jobs per call. Jobs still active or waiting for a retry are kept.
CREATE FUNCTION cleanup_old_jobs(p_retention interval DEFAULT '30 days', p_limit integer DEFAULT 10000)
RETURNS TABLE (jobs_deleted integer, logs_deleted integer)
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_jobs integer;
  v_logs integer;
BEGIN
  IF p_retention IS NULL OR p_retention <= interval '0' THEN
    RAISE EXCEPTION 'p_retention must be a positive interval, got %', p_retention USING ERRCODE = '22023';
  END IF;
  IF p_limit IS NULL OR p_limit < 1 THEN
    RAISE EXCEPTION 'p_limit must be positive, got %', p_limit USING ERRCODE = '22023';
  END IF;
  DELETE FROM public.job_queue q
   WHERE q.id IN (SELECT o.id FROM public.job_queue o
                   WHERE o.completed_at < now() - p_retention AND o.next_retry_at IS NULL
                   ORDER BY o.completed_at LIMIT p_limit);
  GET DIAGNOSTICS v_jobs = ROW_COUNT;
  DELETE FROM public.job_log l WHERE l.created_at < now() - p_retention;
  GET DIAGNOSTICS v_logs = ROW_COUNT;
  RETURN QUERY SELECT v_jobs, v_logs;
END $$;

-- The outbox sweeper: claims up to p_limit due pending jobs that were never sent, or sent more than
-- p_resend_after ago and still not started (the message was lost), stamps dispatched_at and returns them
-- with their SQS queue. Concurrent sweepers get disjoint rows. A send that fails is retried after
-- p_resend_after; a duplicate send is harmless (start_job wins once).
CREATE FUNCTION claim_undispatched_jobs(p_limit integer DEFAULT 100, p_resend_after interval DEFAULT '5 minutes')
RETURNS TABLE (job_id uuid, job_type text, queue_name text, priority integer, user_id uuid, retry_count integer)
LANGUAGE plpgsql SET search_path = '' AS $$
#variable_conflict use_column
BEGIN
  IF p_limit IS NULL OR p_limit NOT BETWEEN 1 AND 1000 THEN
    RAISE EXCEPTION 'p_limit must be 1..1000, got %', p_limit USING ERRCODE = '22023';
  END IF;
  IF p_resend_after IS NULL OR p_resend_after <= interval '0' THEN
    RAISE EXCEPTION 'p_resend_after must be a positive interval, got %', p_resend_after USING ERRCODE = '22023';
  END IF;
  RETURN QUERY
    WITH never_sent AS (
      SELECT q.id, q.priority, q.scheduled_for FROM public.job_queue q
       WHERE q.status = 'pending' AND q.dispatched_at IS NULL AND q.scheduled_for <= now()
       ORDER BY q.priority DESC, q.scheduled_for, q.id
       LIMIT p_limit
       FOR UPDATE SKIP LOCKED
    ), lost AS (
      SELECT q.id, q.priority, q.scheduled_for FROM public.job_queue q
       WHERE q.status = 'pending' AND q.dispatched_at < now() - p_resend_after AND q.scheduled_for <= now()
       ORDER BY q.dispatched_at
       LIMIT p_limit
       FOR UPDATE SKIP LOCKED
    ), picked AS (
      SELECT c.id FROM (SELECT * FROM never_sent UNION ALL SELECT * FROM lost) c
       ORDER BY c.priority DESC, c.scheduled_for, c.id
       LIMIT p_limit
    ), stamped AS (
      UPDATE public.job_queue q SET dispatched_at = now()
        FROM picked, public.job_type t
       WHERE q.id = picked.id AND t.id = q.job_type_id
      RETURNING q.id, q.job_type, t.queue_name, q.priority, q.user_id, q.retry_count, q.scheduled_for
    )
    SELECT s.id, s.job_type, s.queue_name, s.priority, s.user_id, s.retry_count
      FROM stamped s
     ORDER BY s.priority DESC, s.scheduled_for, s.id;
END $$;

-- The creator sent these jobs' ids to SQS after commit: the sweeper leaves them alone. Returns how many.
CREATE FUNCTION mark_jobs_dispatched(p_job_ids uuid[]) RETURNS integer
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_count integer;
BEGIN
  UPDATE public.job_queue SET dispatched_at = now() WHERE id = ANY (p_job_ids) AND status = 'pending';
  GET DIAGNOSTICS v_count = ROW_COUNT;
  RETURN v_count;
END $$;

-- A job that finishes (completed, failed, cancelled) is announced on channel job_status with a payload that
-- stays tiny whatever the job's params or result ({job_id, user_id, status}; NOTIFY payloads are limited to 8000
-- bytes). Only finishing is announced: every notifying commit takes PostgreSQL's global notification-queue lock,
-- and announcing creation and start too held job creation at 597/s against 1,051/s without (bench/jobs).
CREATE FUNCTION notify_job_status_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  PERFORM pg_notify('job_status', json_build_object('job_id', NEW.id, 'user_id', NEW.user_id, 'status', NEW.status)::text);
  RETURN NULL;
END $$;
CREATE TRIGGER job_queue_notify_finished AFTER UPDATE OF status ON job_queue
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status IN ('completed', 'failed', 'cancelled'))
  EXECUTE FUNCTION notify_job_status_change();

-- ---------------------------------------------------------------------------------------------
-- Job functions for signed-in users (the user is auth.uid(); never a parameter)
-- ---------------------------------------------------------------------------------------------

-- The caller's jobs, newest first (security invoker: row-level security applies as well).
CREATE FUNCTION get_my_jobs(
  p_status public.job_status_enum DEFAULT NULL, p_job_type text DEFAULT NULL, p_limit integer DEFAULT 20, p_offset integer DEFAULT 0
) RETURNS TABLE (
  id uuid, user_id uuid, job_type text, job_category text, status public.job_status_enum, priority integer,
  progress integer, progress_message text, params jsonb, result jsonb, error_message text, retry_count integer,
  max_retries integer, scheduled_for timestamptz, next_retry_at timestamptz, started_at timestamptz,
  completed_at timestamptz, created_at timestamptz, updated_at timestamptz
)
LANGUAGE plpgsql STABLE SET search_path = '' AS $$
#variable_conflict use_column
BEGIN
  IF p_limit IS NULL OR p_limit NOT BETWEEN 1 AND 100 OR p_offset IS NULL OR p_offset < 0 THEN
    RAISE EXCEPTION 'limit must be 1..100 and offset >= 0, got % and %', p_limit, p_offset USING ERRCODE = '22023';
  END IF;
  RETURN QUERY
    SELECT q.id, q.user_id, q.job_type, t.slug, q.status, q.priority, q.progress, q.progress_message, q.params,
           q.result, q.error_message, q.retry_count, q.max_retries, q.scheduled_for, q.next_retry_at, q.started_at,
           q.completed_at, q.created_at, q.updated_at
      FROM public.job_queue q JOIN public.job_type t ON t.id = q.job_type_id
     WHERE q.user_id = auth.uid()
       AND (p_status IS NULL OR q.status = p_status)
       AND (p_job_type IS NULL OR q.job_type = p_job_type OR t.slug = p_job_type)
     ORDER BY q.created_at DESC, q.id DESC
     LIMIT p_limit OFFSET p_offset;
END $$;

-- The caller's counts per job kind and status (security invoker).
CREATE FUNCTION get_my_job_stats()
RETURNS TABLE (
  job_type text, job_category text, status public.job_status_enum, job_count bigint,
  oldest_created_at timestamptz, newest_created_at timestamptz, avg_duration_seconds numeric
)
LANGUAGE sql STABLE SET search_path = '' AS $$
  SELECT q.job_type, t.slug, q.status, count(*), min(q.created_at), max(q.created_at),
         round(extract(epoch FROM avg(q.completed_at - q.started_at)), 3)
    FROM public.job_queue q JOIN public.job_type t ON t.id = q.job_type_id
   WHERE q.user_id = auth.uid()
   GROUP BY q.job_type, t.slug, q.status
   ORDER BY q.job_type, q.status
$$;

-- The caller cancels one of their own active jobs. Security definer: users have no UPDATE on job_queue, so
-- they can change a job's status only through this, and only to cancelled. false: not theirs, or not active.
CREATE FUNCTION cancel_my_job(p_job_id uuid) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  UPDATE public.job_queue
     SET status = 'cancelled', next_retry_at = NULL, completed_at = now(), error_message = 'cancelled by the user'
   WHERE id = p_job_id AND user_id = auth.uid() AND (status IN ('pending', 'processing') OR next_retry_at IS NOT NULL);
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  INSERT INTO public.job_log (job_id, level, message) VALUES (p_job_id, 'info', 'cancelled by the user');
  RETURN true;
END $$;
ALTER FUNCTION cancel_my_job(uuid) OWNER TO streamvibe_definer;

-- ---------------------------------------------------------------------------------------------
-- Stripe webhook functions (service_role: the stripe-webhook Lambda and its retry schedule)
-- ---------------------------------------------------------------------------------------------

-- Logs a verified event once; a redelivery returns the same row (one statement, safe under concurrency).
-- is_new is true for the transaction that logged it: that caller processes it inline (the event stays
-- pending with a 5-minute lease, then retry_failed_webhooks takes it over) and reports mark_webhook_processed
-- or mark_webhook_failed. A duplicate (is_new false) is acknowledged without processing.
CREATE FUNCTION log_stripe_webhook_event(p_event_id text, p_event_type text, p_payload jsonb)
RETURNS TABLE (id uuid, status text, attempts integer, is_new boolean)
LANGUAGE plpgsql SET search_path = '' AS $$
#variable_conflict use_column
DECLARE
  v_inserted uuid;
BEGIN
  IF p_event_id IS NULL OR p_event_id !~ '^evt_[A-Za-z0-9_]+$' OR char_length(p_event_id) > 255 THEN
    RAISE EXCEPTION 'not a Stripe event id: %', coalesce(p_event_id, 'null') USING ERRCODE = '22023';
  END IF;
  IF p_event_type IS NULL OR p_event_type !~ '^[a-z0-9_.]+$' OR char_length(p_event_type) > 255 THEN
    RAISE EXCEPTION 'not a Stripe event type: %', coalesce(p_event_type, 'null') USING ERRCODE = '22023';
  END IF;
  IF p_payload IS NULL OR jsonb_typeof(p_payload) <> 'object' THEN
    RAISE EXCEPTION 'the event payload must be a JSON object' USING ERRCODE = '22023';
  END IF;
  INSERT INTO public.stripe_webhook_events AS e (stripe_event_id, event_type, payload, status, attempts, next_retry_at)
  VALUES (p_event_id, p_event_type, p_payload, 'pending', 1, now() + interval '5 minutes')
  ON CONFLICT (stripe_event_id) DO NOTHING
  RETURNING e.id INTO v_inserted;
  RETURN QUERY
    SELECT e.id, e.status, e.attempts, (v_inserted IS NOT NULL OR e.xmin = pg_current_xact_id()::xid)
      FROM public.stripe_webhook_events e
     WHERE e.stripe_event_id = p_event_id;
END $$;

-- The event was handled. false: unknown, or already processed.
CREATE FUNCTION mark_webhook_processed(p_event_id text) RETURNS boolean
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  UPDATE public.stripe_webhook_events
     SET status = 'processed', processed_at = now(), next_retry_at = NULL
   WHERE stripe_event_id = p_event_id AND status <> 'processed';
  RETURN FOUND;
END $$;

-- An attempt failed: retry after min(6 h, 1 min · 2^(attempts-1)) × [0.75, 1], or give up (next_retry_at
-- null) after 10 attempts. false: unknown, or already processed.
CREATE FUNCTION mark_webhook_failed(p_event_id text, p_error text) RETURNS boolean
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  UPDATE public.stripe_webhook_events
     SET status = 'failed', last_error = left(coalesce(nullif(btrim(p_error), ''), 'unknown error'), 4000),
         next_retry_at = CASE WHEN attempts < 10
                              THEN now() + least(interval '6 hours', interval '1 minute' * power(2, greatest(attempts - 1, 0)))
                                         * (0.75 + 0.25 * random())
                         END
   WHERE stripe_event_id = p_event_id AND status <> 'processed';
  RETURN FOUND;
END $$;

-- Schedule: claims up to p_limit due events (a failed attempt's retry time has come, or an attempt's lease
-- expired), marks them processing with a new 5-minute lease and returns them to be processed again.
-- Concurrent callers get disjoint events. Due events that used all 10 attempts are given up instead.
CREATE FUNCTION retry_failed_webhooks(p_limit integer DEFAULT 50)
RETURNS TABLE (id uuid, stripe_event_id text, event_type text, payload jsonb, attempts integer, last_error text)
LANGUAGE plpgsql SET search_path = '' AS $$
#variable_conflict use_column
BEGIN
  IF p_limit IS NULL OR p_limit NOT BETWEEN 1 AND 1000 THEN
    RAISE EXCEPTION 'p_limit must be 1..1000, got %', p_limit USING ERRCODE = '22023';
  END IF;
  UPDATE public.stripe_webhook_events e
     SET status = 'failed', next_retry_at = NULL,
         last_error = coalesce(e.last_error, format('attempt %s reported no result within its lease', e.attempts))
   WHERE e.next_retry_at <= now() AND e.attempts >= 10;
  RETURN QUERY
    WITH due AS (
      SELECT e.id FROM public.stripe_webhook_events e
       WHERE e.next_retry_at <= now() AND e.attempts < 10
       ORDER BY e.next_retry_at
       LIMIT p_limit
       FOR UPDATE SKIP LOCKED
    )
    UPDATE public.stripe_webhook_events e
       SET status = 'processing', attempts = e.attempts + 1, next_retry_at = now() + interval '5 minutes'
      FROM due
     WHERE e.id = due.id
    RETURNING e.id, e.stripe_event_id, e.event_type, e.payload, e.attempts, e.last_error;
END $$;

-- ---------------------------------------------------------------------------------------------
-- Cache functions over cache_store (service_role: Stripe products, prices, customers)
-- ---------------------------------------------------------------------------------------------

-- Stores (or replaces) a value for p_ttl_seconds; returns when it expires.
CREATE FUNCTION cache_stripe_data(p_key text, p_value jsonb, p_ttl_seconds integer DEFAULT 3600) RETURNS timestamptz
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_expires_at timestamptz;
BEGIN
  IF p_key IS NULL OR btrim(p_key) = '' OR char_length(p_key) > 512 THEN
    RAISE EXCEPTION 'cache key must be 1..512 characters' USING ERRCODE = '22023';
  END IF;
  IF p_value IS NULL THEN
    RAISE EXCEPTION 'cache value must not be null (use invalidate_cache to remove a key)' USING ERRCODE = '22023';
  END IF;
  IF p_ttl_seconds IS NULL OR p_ttl_seconds NOT BETWEEN 1 AND 2592000 THEN
    RAISE EXCEPTION 'ttl must be 1..2592000 seconds (30 days), got %', p_ttl_seconds USING ERRCODE = '22023';
  END IF;
  INSERT INTO public.cache_store AS c (key, value, expires_at)
  VALUES (p_key, p_value, now() + make_interval(secs => p_ttl_seconds))
  ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at, updated_at = now()
  RETURNING c.expires_at INTO v_expires_at;
  RETURN v_expires_at;
END $$;

-- The cached value, or null when missing or expired.
CREATE FUNCTION get_cached_stripe_data(p_key text) RETURNS jsonb
LANGUAGE sql STABLE SET search_path = '' AS $$
  SELECT c.value FROM public.cache_store c WHERE c.key = p_key AND c.expires_at > now()
$$;

-- Removes one key, or every key starting with p_key when p_is_prefix. Returns how many were removed.
CREATE FUNCTION invalidate_cache(p_key text, p_is_prefix boolean DEFAULT false) RETURNS integer
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_count integer;
BEGIN
  IF p_key IS NULL OR p_key = '' THEN
    RAISE EXCEPTION 'cache key (or prefix) must not be empty' USING ERRCODE = '22023';
  END IF;
  IF coalesce(p_is_prefix, false) THEN
    DELETE FROM public.cache_store c WHERE starts_with(c.key, p_key);
  ELSE
    DELETE FROM public.cache_store c WHERE c.key = p_key;
  END IF;
  GET DIAGNOSTICS v_count = ROW_COUNT;
  RETURN v_count;
END $$;

-- Schedule: removes expired entries; returns how many.
CREATE FUNCTION cleanup_expired_cache() RETURNS integer
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_count integer;
BEGIN
  DELETE FROM public.cache_store c WHERE c.expires_at <= now();
  GET DIAGNOSTICS v_count = ROW_COUNT;
  RETURN v_count;
END $$;

-- ---------------------------------------------------------------------------------------------
-- Function privileges (EXECUTE is revoked from PUBLIC by default; granted here one by one)
-- ---------------------------------------------------------------------------------------------
GRANT EXECUTE ON FUNCTION
  find_or_create_job(uuid, text, jsonb, integer, interval, timestamptz),
  create_job(uuid, text, jsonb, integer, timestamptz),
  get_user_jobs(uuid, job_status_enum, text, integer, integer),
  get_job_queue_stats(uuid),
  get_cached_job_result(uuid, text, jsonb, interval),
  start_job(uuid, text),
  update_job_progress(uuid, integer, text, text),
  complete_job(uuid, jsonb, text),
  fail_job(uuid, text, boolean, text),
  cancel_job(uuid, text),
  add_job_log(uuid, text, text, jsonb),
  retry_failed_jobs(integer),
  detect_stuck_jobs(interval),
  expire_stale_jobs(interval),
  cleanup_old_jobs(interval, integer),
  claim_undispatched_jobs(integer, interval),
  mark_jobs_dispatched(uuid[]),
  log_stripe_webhook_event(text, text, jsonb),
  mark_webhook_processed(text),
  mark_webhook_failed(text, text),
  retry_failed_webhooks(integer),
  cache_stripe_data(text, jsonb, integer),
  get_cached_stripe_data(text),
  invalidate_cache(text, boolean),
  cleanup_expired_cache()
TO service_role;
GRANT EXECUTE ON FUNCTION get_my_jobs(job_status_enum, text, integer, integer), get_my_job_stats(), cancel_my_job(uuid)
TO authenticated;

-- ---------------------------------------------------------------------------------------------
-- Table privileges and row-level security
-- ---------------------------------------------------------------------------------------------
GRANT USAGE ON SCHEMA meta TO authenticated, service_role, streamvibe_definer;
GRANT SELECT ON meta.job_kind TO authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON job_type, job_queue, job_log, stripe_webhook_events TO service_role;
-- Users read the catalogue and their own jobs and logs; they never write jobs (no status, result or retry
-- changes): creation goes through the API as service_role, cancellation through cancel_my_job.
GRANT SELECT ON job_type, job_queue, job_log TO authenticated;

ALTER TABLE meta.job_kind ENABLE ROW LEVEL SECURITY;         ALTER TABLE meta.job_kind FORCE ROW LEVEL SECURITY;
ALTER TABLE job_type ENABLE ROW LEVEL SECURITY;              ALTER TABLE job_type FORCE ROW LEVEL SECURITY;
ALTER TABLE job_queue ENABLE ROW LEVEL SECURITY;             ALTER TABLE job_queue FORCE ROW LEVEL SECURITY;
ALTER TABLE job_log ENABLE ROW LEVEL SECURITY;               ALTER TABLE job_log FORCE ROW LEVEL SECURITY;
ALTER TABLE stripe_webhook_events ENABLE ROW LEVEL SECURITY; ALTER TABLE stripe_webhook_events FORCE ROW LEVEL SECURITY;

CREATE POLICY job_kind_service ON meta.job_kind TO service_role USING (true) WITH CHECK (true);
CREATE POLICY job_kind_read ON meta.job_kind FOR SELECT TO authenticated USING (true);

CREATE POLICY job_type_service ON job_type TO service_role USING (true) WITH CHECK (true);
CREATE POLICY job_type_read ON job_type FOR SELECT TO authenticated USING (true);

CREATE POLICY job_queue_service ON job_queue TO service_role USING (true) WITH CHECK (true);
CREATE POLICY job_queue_read_own ON job_queue FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()) OR (SELECT is_admin()));

CREATE POLICY job_log_service ON job_log TO service_role USING (true) WITH CHECK (true);
CREATE POLICY job_log_read_own ON job_log FOR SELECT TO authenticated
  USING (EXISTS (SELECT 1 FROM job_queue q WHERE q.id = job_log.job_id AND q.user_id = (SELECT auth.uid()))
         OR (SELECT is_admin()));

CREATE POLICY stripe_webhook_events_service ON stripe_webhook_events TO service_role USING (true) WITH CHECK (true);
