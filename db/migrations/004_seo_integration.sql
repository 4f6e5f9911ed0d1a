-- 004 SEO integration: search engines, per-user connections (credentials in Secrets Manager), URL
-- submissions and daily usage per engine.

CREATE TABLE search_engine (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug                 text NOT NULL UNIQUE,
  display_name         text NOT NULL,
  submission_method    text NOT NULL CHECK (submission_method IN ('google_indexing_api', 'bing_url_submission', 'indexnow')),
  api_endpoint         text NOT NULL,
  daily_quota          integer CHECK (daily_quota > 0),  -- the engine's own per-site limit; null = unlimited
  requires_verification boolean NOT NULL DEFAULT true,
  is_active            boolean NOT NULL DEFAULT true,
  sort_order           integer NOT NULL DEFAULT 0,
  created_at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE seo_connection (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id              uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  search_engine_id     uuid NOT NULL REFERENCES search_engine (id),
  vault_secret_name    text NOT NULL CHECK (vault_secret_name ~ '^[A-Za-z0-9/_+=.@-]+$' AND char_length(vault_secret_name) <= 512),  -- Secrets Manager name
  site_url             text NOT NULL CHECK (site_url ~ '^https?://' AND char_length(site_url) <= 2048),
  is_active            boolean NOT NULL DEFAULT true,
  is_verified          boolean NOT NULL DEFAULT false,
  verified_at          timestamptz,
  last_submission_at   timestamptz,
  last_error           text,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, search_engine_id, site_url)
);
CREATE INDEX seo_connection_engine_idx ON seo_connection (search_engine_id);
CREATE TRIGGER seo_connection_updated_at BEFORE UPDATE ON seo_connection FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE seo_submission (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  connection_id     uuid NOT NULL REFERENCES seo_connection (id) ON DELETE CASCADE,
  user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  content_item_id   uuid REFERENCES content_item (id) ON DELETE SET NULL,
  submitted_url     text NOT NULL CHECK (submitted_url ~ '^https?://' AND char_length(submitted_url) <= 2048),
  submission_type   text NOT NULL DEFAULT 'URL_UPDATED' CHECK (submission_type IN ('URL_UPDATED', 'URL_DELETED')),
  status            text NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'submitted', 'indexed', 'failed', 'rate_limited')),
  response_status   integer CHECK (response_status BETWEEN 100 AND 599),  -- the engine's HTTP status
  response_body     jsonb,
  error_message     text,
  retry_count       integer NOT NULL DEFAULT 0 CHECK (retry_count >= 0),
  submitted_at      timestamptz,
  indexed_at        timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX seo_submission_connection_created_idx ON seo_submission (connection_id, created_at DESC);
CREATE INDEX seo_submission_user_created_idx ON seo_submission (user_id, created_at DESC);
CREATE INDEX seo_submission_content_idx ON seo_submission (content_item_id);
-- At most one open submission per URL and engine connection: resubmitting while one is pending is a no-op.
CREATE UNIQUE INDEX seo_submission_one_pending_idx ON seo_submission (connection_id, submitted_url, submission_type)
  WHERE status = 'pending';
CREATE TRIGGER seo_submission_updated_at BEFORE UPDATE ON seo_submission FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE seo_usage (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id             uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  search_engine_id    uuid NOT NULL REFERENCES search_engine (id),
  usage_date          date NOT NULL DEFAULT current_date,
  submissions_count   integer NOT NULL DEFAULT 0 CHECK (submissions_count >= 0),
  success_count       integer NOT NULL DEFAULT 0 CHECK (success_count >= 0),
  failure_count       integer NOT NULL DEFAULT 0 CHECK (failure_count >= 0),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, search_engine_id, usage_date)
);
CREATE INDEX seo_usage_engine_date_idx ON seo_usage (search_engine_id, usage_date);

INSERT INTO search_engine (slug, display_name, submission_method, api_endpoint, daily_quota, requires_verification, sort_order) VALUES
  ('google',   'Google',   'google_indexing_api', 'https://indexing.googleapis.com/v3/urlNotifications:publish', 200,   true,  1),
  ('bing',     'Bing',     'bing_url_submission', 'https://ssl.bing.com/webmaster/api.svc/json/SubmitUrlbatch',  10000, true,  2),
  ('yandex',   'Yandex',   'indexnow',            'https://yandex.com/indexnow',                                 10000, false, 3),
  ('indexnow', 'IndexNow', 'indexnow',            'https://api.indexnow.org/indexnow',                           10000, false, 4);

-- Counts one submission against the engine's daily per-user limit, atomically; false when the day is used up.
CREATE FUNCTION record_seo_submission_usage(p_user_id uuid, p_search_engine_id uuid, p_succeeded boolean) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  counted boolean;
BEGIN
  INSERT INTO public.seo_usage AS u (user_id, search_engine_id, usage_date, submissions_count, success_count, failure_count)
  SELECT p_user_id, e.id, current_date, 1, p_succeeded::int, (NOT p_succeeded)::int
  FROM public.search_engine e WHERE e.id = p_search_engine_id
  ON CONFLICT (user_id, search_engine_id, usage_date) DO UPDATE SET
    submissions_count = u.submissions_count + 1,
    success_count = u.success_count + EXCLUDED.success_count,
    failure_count = u.failure_count + EXCLUDED.failure_count,
    updated_at = now()
  WHERE u.submissions_count < coalesce((SELECT daily_quota FROM public.search_engine WHERE id = p_search_engine_id), 2147483647)
  RETURNING true INTO counted;
  RETURN coalesce(counted, false);
END $$;
ALTER FUNCTION record_seo_submission_usage(uuid, uuid, boolean) OWNER TO streamvibe_definer;
GRANT EXECUTE ON FUNCTION record_seo_submission_usage(uuid, uuid, boolean) TO service_role;

-- Privileges and row-level security
GRANT SELECT, INSERT, UPDATE, DELETE ON search_engine, seo_connection, seo_submission, seo_usage TO service_role;
GRANT SELECT ON search_engine TO anon, authenticated;
GRANT SELECT (id, user_id, search_engine_id, site_url, is_active, is_verified, verified_at, last_submission_at, last_error,
  created_at, updated_at) ON seo_connection TO authenticated;
GRANT UPDATE (is_active) ON seo_connection TO authenticated;
GRANT SELECT ON seo_submission, seo_usage TO authenticated;

ALTER TABLE search_engine ENABLE ROW LEVEL SECURITY;   ALTER TABLE search_engine FORCE ROW LEVEL SECURITY;
ALTER TABLE seo_connection ENABLE ROW LEVEL SECURITY;  ALTER TABLE seo_connection FORCE ROW LEVEL SECURITY;
ALTER TABLE seo_submission ENABLE ROW LEVEL SECURITY;  ALTER TABLE seo_submission FORCE ROW LEVEL SECURITY;
ALTER TABLE seo_usage ENABLE ROW LEVEL SECURITY;       ALTER TABLE seo_usage FORCE ROW LEVEL SECURITY;

CREATE POLICY search_engine_service ON search_engine TO service_role USING (true) WITH CHECK (true);
CREATE POLICY search_engine_read ON search_engine FOR SELECT TO anon, authenticated USING (is_active);

CREATE POLICY seo_connection_service ON seo_connection TO service_role USING (true) WITH CHECK (true);
CREATE POLICY seo_connection_read_own ON seo_connection FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()) OR (SELECT is_admin()));
CREATE POLICY seo_connection_update_own ON seo_connection FOR UPDATE TO authenticated
  USING (user_id = (SELECT auth.uid())) WITH CHECK (user_id = (SELECT auth.uid()));

CREATE POLICY seo_submission_service ON seo_submission TO service_role USING (true) WITH CHECK (true);
CREATE POLICY seo_submission_read_own ON seo_submission FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()) OR (SELECT is_admin()));
CREATE POLICY seo_usage_service ON seo_usage TO service_role USING (true) WITH CHECK (true);
CREATE POLICY seo_usage_read_own ON seo_usage FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()) OR (SELECT is_admin()));
