-- 000 base core: roles, the auth layer (in place of Supabase Auth), users, roles, settings,
-- subscriptions and quotas, notifications, audit log, quota history, cache.
--
-- Runs as the database owner with Aurora's master-user attributes (NOSUPERUSER CREATEDB CREATEROLE,
-- no BYPASSRLS). Every table is RLS-enabled and forced; SECURITY DEFINER functions are owned by
-- streamvibe_definer (a NOLOGIN member of service_role) and pin search_path to ''.

-- ---------------------------------------------------------------------------------------------
-- Roles (cluster-wide, so created only if missing)
-- ---------------------------------------------------------------------------------------------
DO $$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['anon', 'authenticated', 'service_role', 'streamvibe_definer'] LOOP
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
      EXECUTE format('CREATE ROLE %I NOLOGIN NOINHERIT', r);
    END IF;
  END LOOP;
  -- The Lambdas' login role: no privileges of its own, it can only SET ROLE to the three API roles.
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'streamvibe_app') THEN
    CREATE ROLE streamvibe_app LOGIN NOINHERIT;
  END IF;
END $$;

GRANT anon, authenticated, service_role TO streamvibe_app WITH INHERIT FALSE, SET TRUE;
-- SECURITY DEFINER functions act with service_role's grants and policies, never more.
ALTER ROLE streamvibe_definer INHERIT;
GRANT service_role TO streamvibe_definer WITH INHERIT TRUE, SET FALSE;
-- The owner hands function ownership to streamvibe_definer, which needs SET on it.
GRANT streamvibe_definer TO CURRENT_USER WITH INHERIT TRUE, SET TRUE;

-- ---------------------------------------------------------------------------------------------
-- Schemas and extensions (extensions outside public, so public holds only our objects)
-- ---------------------------------------------------------------------------------------------
CREATE SCHEMA IF NOT EXISTS extensions;
CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA extensions;
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA extensions;
CREATE EXTENSION IF NOT EXISTS unaccent WITH SCHEMA extensions;

REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public, extensions TO anon, authenticated, service_role, streamvibe_definer;
-- Owning a function in a schema requires CREATE on it; streamvibe_definer cannot log in.
GRANT CREATE ON SCHEMA public TO streamvibe_definer;

-- Nothing is executable by PUBLIC unless granted explicitly, function by function. (PUBLIC's EXECUTE is a
-- global default: only ALTER DEFAULT PRIVILEGES without IN SCHEMA can revoke it.)
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE streamvibe_definer REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- ---------------------------------------------------------------------------------------------
-- auth: the caller's verified JWT claims, set per transaction by the API (set_config(..., true))
-- ---------------------------------------------------------------------------------------------
CREATE SCHEMA IF NOT EXISTS auth;
REVOKE ALL ON SCHEMA auth FROM PUBLIC;
GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role, streamvibe_definer;

CREATE FUNCTION auth.jwt() RETURNS jsonb
LANGUAGE sql STABLE SET search_path = '' AS $$
  SELECT coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb
$$;

CREATE FUNCTION auth.uid() RETURNS uuid
LANGUAGE sql STABLE SET search_path = '' AS $$
  SELECT nullif(auth.jwt() ->> 'sub', '')::uuid
$$;

CREATE FUNCTION auth.role() RETURNS text
LANGUAGE sql STABLE SET search_path = '' AS $$
  SELECT coalesce(nullif(auth.jwt() ->> 'role', ''), 'anon')
$$;

CREATE FUNCTION auth.email() RETURNS text
LANGUAGE sql STABLE SET search_path = '' AS $$
  SELECT nullif(auth.jwt() ->> 'email', '')
$$;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA auth FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA auth TO anon, authenticated, service_role, streamvibe_definer;

-- ---------------------------------------------------------------------------------------------
-- Enums
-- ---------------------------------------------------------------------------------------------
CREATE TYPE visibility_enum AS ENUM ('public', 'unlisted', 'private');
CREATE TYPE app_role_enum AS ENUM ('user', 'creator', 'moderator', 'admin');
CREATE TYPE notification_type_enum AS ENUM (
  'info', 'success', 'warning', 'error', 'sync_complete', 'ai_complete', 'seo_complete', 'quota_warning', 'billing', 'system'
);
-- How AI suggestions are applied: only shown, applied after approval, or applied automatically.
CREATE TYPE action_mode_enum AS ENUM ('manual', 'approve', 'auto');

-- ---------------------------------------------------------------------------------------------
-- Shared trigger function
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END $$;

-- ---------------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------------
CREATE TABLE users (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),  -- the identity provider's subject (Cognito sub)
  email                 extensions.citext NOT NULL UNIQUE,
  display_name          text CHECK (char_length(display_name) BETWEEN 1 AND 100),
  profile_slug          text UNIQUE CHECK (profile_slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND char_length(profile_slug) <= 120),
  bio                   text CHECK (char_length(bio) <= 2000),
  avatar_url            text CHECK (avatar_url ~ '^https?://' AND char_length(avatar_url) <= 2048),
  website_url           text CHECK (website_url ~ '^https?://' AND char_length(website_url) <= 2048),
  primary_category      text,  -- FK to content_category(code), added in 005
  is_public             boolean NOT NULL DEFAULT false,
  is_verified           boolean NOT NULL DEFAULT false,
  total_followers       bigint NOT NULL DEFAULT 0 CHECK (total_followers >= 0),
  total_content         bigint NOT NULL DEFAULT 0 CHECK (total_content >= 0),
  total_views           bigint NOT NULL DEFAULT 0 CHECK (total_views >= 0),
  stripe_customer_id    text UNIQUE,
  onboarded_at          timestamptz,
  last_active_at        timestamptz,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  deleted_at            timestamptz
);
CREATE INDEX users_public_followers_idx ON users (total_followers DESC, id) WHERE is_public AND deleted_at IS NULL;
CREATE INDEX users_public_created_idx ON users (created_at DESC, id) WHERE is_public AND deleted_at IS NULL;
CREATE INDEX users_primary_category_idx ON users (primary_category, total_followers DESC) WHERE is_public AND deleted_at IS NULL;
CREATE TRIGGER users_updated_at BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE user_role (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role        app_role_enum NOT NULL,
  granted_by  uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, role)
);
CREATE INDEX user_role_role_idx ON user_role (role);

CREATE TABLE user_setting (
  user_id               uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  email_notifications   boolean NOT NULL DEFAULT true,
  push_notifications    boolean NOT NULL DEFAULT false,
  weekly_digest         boolean NOT NULL DEFAULT true,
  auto_sync_enabled     boolean NOT NULL DEFAULT true,
  sync_frequency_hours  integer NOT NULL DEFAULT 24 CHECK (sync_frequency_hours BETWEEN 1 AND 168),
  default_visibility    visibility_enum NOT NULL DEFAULT 'public',
  language              text NOT NULL DEFAULT 'en' CHECK (language ~ '^[a-z]{2}(-[A-Z]{2})?$'),
  timezone              text NOT NULL DEFAULT 'UTC' CHECK (char_length(timezone) <= 64),
  theme                 text NOT NULL DEFAULT 'system' CHECK (theme IN ('light', 'dark', 'system')),
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER user_setting_updated_at BEFORE UPDATE ON user_setting FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE subscription_tier (
  id                              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug                            text NOT NULL UNIQUE,
  display_name                    text NOT NULL,
  description                     text,
  price_cents                     integer NOT NULL CHECK (price_cents >= 0),
  currency                        char(3) NOT NULL DEFAULT 'usd',
  billing_interval                text NOT NULL DEFAULT 'month' CHECK (billing_interval IN ('month', 'year')),
  stripe_price_id                 text UNIQUE,
  max_social_accounts             integer NOT NULL CHECK (max_social_accounts >= 0),
  max_syncs_per_month             integer NOT NULL CHECK (max_syncs_per_month >= 0),
  max_ai_analyses_per_month       integer NOT NULL CHECK (max_ai_analyses_per_month >= 0),
  max_seo_submissions_per_month   integer NOT NULL CHECK (max_seo_submissions_per_month >= 0),
  features                        jsonb NOT NULL DEFAULT '{}',
  is_active                       boolean NOT NULL DEFAULT true,
  sort_order                      integer NOT NULL DEFAULT 0,
  created_at                      timestamptz NOT NULL DEFAULT now(),
  updated_at                      timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER subscription_tier_updated_at BEFORE UPDATE ON subscription_tier FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE subscription_status (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug           text NOT NULL UNIQUE,
  display_name   text NOT NULL,
  description    text,
  is_entitled    boolean NOT NULL,  -- does this status grant the tier's quotas? otherwise free-tier quotas apply
  sort_order     integer NOT NULL DEFAULT 0,
  created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE subscription (
  id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id                  uuid NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
  tier_id                  uuid NOT NULL REFERENCES subscription_tier (id),
  status_id                uuid NOT NULL REFERENCES subscription_status (id),
  stripe_subscription_id   text UNIQUE,
  stripe_customer_id       text,
  cycle_start_date         timestamptz NOT NULL DEFAULT now(),
  cycle_end_date           timestamptz NOT NULL DEFAULT now() + interval '1 month',
  syncs_used               integer NOT NULL DEFAULT 0 CHECK (syncs_used >= 0),
  ai_analyses_used         integer NOT NULL DEFAULT 0 CHECK (ai_analyses_used >= 0),
  seo_submissions_used     integer NOT NULL DEFAULT 0 CHECK (seo_submissions_used >= 0),
  cancel_at_period_end     boolean NOT NULL DEFAULT false,
  canceled_at              timestamptz,
  created_at               timestamptz NOT NULL DEFAULT now(),
  updated_at               timestamptz NOT NULL DEFAULT now(),
  CHECK (cycle_end_date > cycle_start_date)
);
CREATE INDEX subscription_tier_id_idx ON subscription (tier_id);
CREATE INDEX subscription_status_id_idx ON subscription (status_id);
CREATE INDEX subscription_cycle_end_idx ON subscription (cycle_end_date);
CREATE INDEX subscription_stripe_customer_idx ON subscription (stripe_customer_id);
CREATE TRIGGER subscription_updated_at BEFORE UPDATE ON subscription FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE notification (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  type        notification_type_enum NOT NULL DEFAULT 'info',
  title       text NOT NULL CHECK (char_length(title) <= 200),
  message     text CHECK (char_length(message) <= 2000),
  data        jsonb NOT NULL DEFAULT '{}',
  action_url  text,
  read_at     timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notification_user_created_idx ON notification (user_id, created_at DESC);
CREATE INDEX notification_user_unread_idx ON notification (user_id, created_at DESC) WHERE read_at IS NULL;

CREATE TABLE audit_log (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id      uuid REFERENCES users (id) ON DELETE SET NULL,  -- whose data changed
  actor_id     uuid,                                           -- who changed it (null: the system)
  action       text NOT NULL,
  entity_type  text NOT NULL,
  entity_id    text,
  old_values   jsonb,
  new_values   jsonb,
  ip_address   inet,
  user_agent   text,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_user_created_idx ON audit_log (user_id, created_at DESC);
CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id);
CREATE INDEX audit_log_created_idx ON audit_log (created_at);

CREATE TABLE quota_usage_history (
  id                          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id                     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  subscription_id             uuid NOT NULL REFERENCES subscription (id) ON DELETE CASCADE,
  tier_id                     uuid NOT NULL REFERENCES subscription_tier (id),
  cycle_start_date            timestamptz NOT NULL,
  cycle_end_date              timestamptz NOT NULL,
  syncs_used                  integer NOT NULL,
  ai_analyses_used            integer NOT NULL,
  seo_submissions_used        integer NOT NULL,
  max_syncs                   integer NOT NULL,
  max_ai_analyses             integer NOT NULL,
  max_seo_submissions         integer NOT NULL,
  created_at                  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (subscription_id, cycle_start_date)  -- a cycle is archived once, however often the reset runs
);
CREATE INDEX quota_usage_history_user_idx ON quota_usage_history (user_id, cycle_start_date DESC);
CREATE INDEX quota_usage_history_tier_idx ON quota_usage_history (tier_id);

CREATE TABLE cache_store (
  key         text PRIMARY KEY CHECK (char_length(key) <= 512),
  value       jsonb NOT NULL,
  expires_at  timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cache_store_expires_idx ON cache_store (expires_at);

-- ---------------------------------------------------------------------------------------------
-- Seed rows
-- ---------------------------------------------------------------------------------------------
INSERT INTO subscription_tier
  (slug, display_name, description, price_cents, max_social_accounts, max_syncs_per_month,
   max_ai_analyses_per_month, max_seo_submissions_per_month, features, sort_order)
VALUES
  ('free',    'Free',    'Get discovered: connect your channels and sync weekly.',   0,    2,   30,   25,   0,
   '{"auto_sync": false, "priority_support": false}', 1),
  ('basic',   'Basic',   'For growing creators: daily sync, AI tags, SEO submission.', 999,  5,  300,  250,  100,
   '{"auto_sync": true, "priority_support": false}', 2),
  ('premium', 'Premium', 'For professionals: every platform, bulk AI, priority jobs.', 2999, 20, 3000, 2500, 1000,
   '{"auto_sync": true, "priority_support": true}', 3);

INSERT INTO subscription_status (slug, display_name, description, is_entitled, sort_order) VALUES
  ('active',             'Active',             'Paid and current',                                  true,  1),
  ('trialing',           'Trialing',           'In a free trial',                                   true,  2),
  ('past_due',           'Past due',           'Payment failed; retrying (grace period)',           true,  3),
  ('incomplete',         'Incomplete',         'First payment not yet confirmed',                   false, 4),
  ('incomplete_expired', 'Incomplete expired', 'First payment never confirmed',                     false, 5),
  ('unpaid',             'Unpaid',             'Retries exhausted',                                 false, 6),
  ('paused',             'Paused',             'Paused by the customer',                            false, 7),
  ('canceled',           'Canceled',           'Ended',                                             false, 8);

-- ---------------------------------------------------------------------------------------------
-- Functions
-- ---------------------------------------------------------------------------------------------

-- The caller holds the role (from auth.uid(); safe inside RLS policies, no recursion).
CREATE FUNCTION current_user_has_role(p_role app_role_enum) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT EXISTS (SELECT 1 FROM public.user_role WHERE user_id = auth.uid() AND role = p_role)
$$;
ALTER FUNCTION current_user_has_role(app_role_enum) OWNER TO streamvibe_definer;

CREATE FUNCTION is_admin() RETURNS boolean
LANGUAGE sql STABLE SET search_path = '' AS $$
  SELECT public.current_user_has_role('admin')
$$;

-- Any user's role, for trusted server code (service_role).
CREATE FUNCTION has_role(p_user_id uuid, p_role app_role_enum) RETURNS boolean
LANGUAGE sql STABLE SET search_path = '' AS $$
  SELECT EXISTS (SELECT 1 FROM public.user_role WHERE user_id = p_user_id AND role = p_role)
$$;

-- The quotas that apply to a user: the subscribed tier while its status is entitled, otherwise the
-- free tier (also for users without any subscription row).
CREATE FUNCTION effective_quota(p_user_id uuid)
RETURNS TABLE (
  tier_slug text, max_syncs integer, max_ai_analyses integer, max_seo_submissions integer, max_social_accounts integer,
  syncs_used integer, ai_analyses_used integer, seo_submissions_used integer, cycle_end_date timestamptz
)
LANGUAGE sql STABLE SET search_path = '' AS $$
  SELECT t.slug, t.max_syncs_per_month, t.max_ai_analyses_per_month, t.max_seo_submissions_per_month, t.max_social_accounts,
         coalesce(s.syncs_used, 0), coalesce(s.ai_analyses_used, 0), coalesce(s.seo_submissions_used, 0), s.cycle_end_date
  FROM (SELECT p_user_id AS user_id) u
  LEFT JOIN public.subscription s ON s.user_id = u.user_id
  LEFT JOIN public.subscription_status st ON st.id = s.status_id
  JOIN public.subscription_tier t
    ON t.id = CASE WHEN st.is_entitled THEN s.tier_id END
    OR (NOT coalesce(st.is_entitled, false) AND t.slug = 'free')
$$;

-- Rejects anything but a positive amount of a known quota type ('sync' | 'ai_analysis' | 'seo_submission').
CREATE FUNCTION assert_quota_args(p_quota_type text, p_amount integer) RETURNS void
LANGUAGE plpgsql SET search_path = '' AS $$
BEGIN
  IF p_quota_type IS NULL OR p_quota_type NOT IN ('sync', 'ai_analysis', 'seo_submission') THEN
    RAISE EXCEPTION 'unknown quota type %, expected sync | ai_analysis | seo_submission', p_quota_type USING ERRCODE = '22023';
  END IF;
  IF p_amount IS NULL OR p_amount < 1 THEN
    RAISE EXCEPTION 'quota amount must be a positive integer, got %', p_amount USING ERRCODE = '22023';
  END IF;
END $$;

-- Does the user have at least p_amount left of this quota?
CREATE FUNCTION check_quota(p_user_id uuid, p_quota_type text, p_amount integer DEFAULT 1) RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = '' AS $$
DECLARE
  q record;
BEGIN
  PERFORM public.assert_quota_args(p_quota_type, p_amount);
  SELECT * INTO q FROM public.effective_quota(p_user_id);
  RETURN CASE p_quota_type
    WHEN 'sync'           THEN q.syncs_used + p_amount <= q.max_syncs
    WHEN 'ai_analysis'    THEN q.ai_analyses_used + p_amount <= q.max_ai_analyses
    ELSE                       q.seo_submissions_used + p_amount <= q.max_seo_submissions
  END;
END $$;

-- Consumes p_amount of a quota if, and only if, it stays within the limit: one conditional UPDATE, so
-- concurrent consumers can never overshoot (the row lock serialises them and the limit is re-checked).
-- Returns false when the quota is exhausted. A user without a subscription gets a free one first.
CREATE FUNCTION increment_quota(p_user_id uuid, p_quota_type text, p_amount integer DEFAULT 1) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  consumed boolean;
BEGIN
  PERFORM public.assert_quota_args(p_quota_type, p_amount);

  INSERT INTO public.subscription (user_id, tier_id, status_id)
  SELECT p_user_id, (SELECT id FROM public.subscription_tier WHERE slug = 'free'),
         (SELECT id FROM public.subscription_status WHERE slug = 'active')
  WHERE NOT EXISTS (SELECT 1 FROM public.subscription WHERE user_id = p_user_id)
  ON CONFLICT (user_id) DO NOTHING;

  UPDATE public.subscription s SET
    syncs_used           = s.syncs_used           + CASE WHEN p_quota_type = 'sync'           THEN p_amount ELSE 0 END,
    ai_analyses_used     = s.ai_analyses_used     + CASE WHEN p_quota_type = 'ai_analysis'    THEN p_amount ELSE 0 END,
    seo_submissions_used = s.seo_submissions_used + CASE WHEN p_quota_type = 'seo_submission' THEN p_amount ELSE 0 END
  FROM public.subscription_status st, public.subscription_tier t
  WHERE s.user_id = p_user_id
    AND st.id = s.status_id
    AND t.id = CASE WHEN st.is_entitled THEN s.tier_id
                    ELSE (SELECT id FROM public.subscription_tier WHERE slug = 'free') END
    AND CASE p_quota_type
          WHEN 'sync'           THEN s.syncs_used + p_amount <= t.max_syncs_per_month
          WHEN 'ai_analysis'    THEN s.ai_analyses_used + p_amount <= t.max_ai_analyses_per_month
          WHEN 'seo_submission' THEN s.seo_submissions_used + p_amount <= t.max_seo_submissions_per_month
        END
  RETURNING true INTO consumed;
  RETURN coalesce(consumed, false);
END $$;
ALTER FUNCTION increment_quota(uuid, text, integer) OWNER TO streamvibe_definer;

-- Gives back p_amount (a job that consumed quota failed permanently); never below zero.
CREATE FUNCTION decrement_quota(p_user_id uuid, p_quota_type text, p_amount integer DEFAULT 1) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  PERFORM public.assert_quota_args(p_quota_type, p_amount);
  UPDATE public.subscription s SET
    syncs_used           = greatest(s.syncs_used           - CASE WHEN p_quota_type = 'sync'           THEN p_amount ELSE 0 END, 0),
    ai_analyses_used     = greatest(s.ai_analyses_used     - CASE WHEN p_quota_type = 'ai_analysis'    THEN p_amount ELSE 0 END, 0),
    seo_submissions_used = greatest(s.seo_submissions_used - CASE WHEN p_quota_type = 'seo_submission' THEN p_amount ELSE 0 END, 0)
  WHERE s.user_id = p_user_id;
  RETURN FOUND;
END $$;
ALTER FUNCTION decrement_quota(uuid, text, integer) OWNER TO streamvibe_definer;

-- The caller's own quotas, for the account page.
CREATE FUNCTION get_my_quota()
RETURNS TABLE (quota_type text, used integer, quota_limit integer, remaining integer, tier_slug text, cycle_end_date timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT v.quota_type, v.used, v.quota_limit, greatest(v.quota_limit - v.used, 0), q.tier_slug, q.cycle_end_date
  FROM public.effective_quota(auth.uid()) q,
  LATERAL (VALUES ('sync', q.syncs_used, q.max_syncs),
                  ('ai_analysis', q.ai_analyses_used, q.max_ai_analyses),
                  ('seo_submission', q.seo_submissions_used, q.max_seo_submissions)) v(quota_type, used, quota_limit)
  WHERE auth.uid() IS NOT NULL
$$;
ALTER FUNCTION get_my_quota() OWNER TO streamvibe_definer;

-- Rolls every ended cycle forward (catching up missed cycles), archiving each ended cycle's usage once.
-- Called by the hourly schedule; returns how many subscriptions were reset.
CREATE FUNCTION reset_expired_quotas() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  reset_count integer;
BEGIN
  WITH ended AS (
    SELECT s.id, s.user_id, s.cycle_start_date, s.cycle_end_date, s.syncs_used, s.ai_analyses_used, s.seo_submissions_used,
           q.max_syncs, q.max_ai_analyses, q.max_seo_submissions,
           (SELECT id FROM public.subscription_tier WHERE slug = q.tier_slug) AS tier_id,
           -- whole months to add so the new cycle contains now()
           (SELECT min(n) FROM generate_series(1, 1200) n
             WHERE s.cycle_end_date + make_interval(months => n) > now()) AS months_ahead
    FROM public.subscription s
    CROSS JOIN LATERAL public.effective_quota(s.user_id) q
    WHERE s.cycle_end_date <= now()
    FOR UPDATE OF s SKIP LOCKED
  ), archived AS (
    INSERT INTO public.quota_usage_history
      (user_id, subscription_id, tier_id, cycle_start_date, cycle_end_date, syncs_used, ai_analyses_used,
       seo_submissions_used, max_syncs, max_ai_analyses, max_seo_submissions)
    SELECT user_id, id, tier_id, cycle_start_date, cycle_end_date, syncs_used, ai_analyses_used,
           seo_submissions_used, max_syncs, max_ai_analyses, max_seo_submissions
    FROM ended
    ON CONFLICT (subscription_id, cycle_start_date) DO NOTHING
  )
  UPDATE public.subscription s SET
    cycle_start_date = e.cycle_end_date + make_interval(months => e.months_ahead - 1),
    cycle_end_date = e.cycle_end_date + make_interval(months => e.months_ahead),
    syncs_used = 0, ai_analyses_used = 0, seo_submissions_used = 0
  FROM ended e
  WHERE s.id = e.id;
  GET DIAGNOSTICS reset_count = ROW_COUNT;
  RETURN reset_count;
END $$;
ALTER FUNCTION reset_expired_quotas() OWNER TO streamvibe_definer;

-- Every new user gets default settings (but no subscription: no row means free tier).
CREATE FUNCTION create_user_defaults() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  INSERT INTO public.user_setting (user_id) VALUES (NEW.id) ON CONFLICT (user_id) DO NOTHING;
  RETURN NEW;
END $$;
ALTER FUNCTION create_user_defaults() OWNER TO streamvibe_definer;
CREATE TRIGGER users_create_defaults AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION create_user_defaults();

GRANT EXECUTE ON FUNCTION current_user_has_role(app_role_enum), is_admin(), get_my_quota() TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION assert_quota_args(text, integer) TO service_role;
GRANT EXECUTE ON FUNCTION has_role(uuid, app_role_enum), effective_quota(uuid), check_quota(uuid, text, integer),
  increment_quota(uuid, text, integer), decrement_quota(uuid, text, integer), reset_expired_quotas() TO service_role;

-- ---------------------------------------------------------------------------------------------
-- Privileges and row-level security
-- ---------------------------------------------------------------------------------------------
-- service_role: everything, through explicit policies (it has no BYPASSRLS).
GRANT SELECT, INSERT, UPDATE, DELETE ON users, user_role, user_setting, subscription_tier, subscription_status,
  subscription, notification, audit_log, quota_usage_history, cache_store TO service_role;

-- Lookups are public.
GRANT SELECT ON subscription_tier, subscription_status TO anon, authenticated;
-- Public profile columns only. Column grants hold for every row a role can see, and every signed-in user sees
-- every public profile, so authenticated gets exactly anon's columns: email, Stripe ids and activity stay private.
GRANT SELECT (id, display_name, profile_slug, bio, avatar_url, website_url, primary_category, is_public, is_verified,
  total_followers, total_content, total_views, onboarded_at, created_at, updated_at, deleted_at) ON users TO anon, authenticated;
-- What a user may change about themselves (not tier, verification, counters or ids).
GRANT UPDATE (display_name, profile_slug, bio, avatar_url, website_url, primary_category, is_public, onboarded_at,
  last_active_at) ON users TO authenticated;
GRANT SELECT ON user_role, subscription, quota_usage_history, audit_log TO authenticated;
-- The audit log is append-only, for the service too.
REVOKE UPDATE, DELETE ON audit_log FROM service_role;
GRANT SELECT, UPDATE (email_notifications, push_notifications, weekly_digest, auto_sync_enabled,
  sync_frequency_hours, default_visibility, language, timezone, theme) ON user_setting TO authenticated;
GRANT SELECT, DELETE, UPDATE (read_at) ON notification TO authenticated;

ALTER TABLE users ENABLE ROW LEVEL SECURITY;                ALTER TABLE users FORCE ROW LEVEL SECURITY;
ALTER TABLE user_role ENABLE ROW LEVEL SECURITY;            ALTER TABLE user_role FORCE ROW LEVEL SECURITY;
ALTER TABLE user_setting ENABLE ROW LEVEL SECURITY;         ALTER TABLE user_setting FORCE ROW LEVEL SECURITY;
ALTER TABLE subscription_tier ENABLE ROW LEVEL SECURITY;    ALTER TABLE subscription_tier FORCE ROW LEVEL SECURITY;
ALTER TABLE subscription_status ENABLE ROW LEVEL SECURITY;  ALTER TABLE subscription_status FORCE ROW LEVEL SECURITY;
ALTER TABLE subscription ENABLE ROW LEVEL SECURITY;         ALTER TABLE subscription FORCE ROW LEVEL SECURITY;
ALTER TABLE notification ENABLE ROW LEVEL SECURITY;         ALTER TABLE notification FORCE ROW LEVEL SECURITY;
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;            ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
ALTER TABLE quota_usage_history ENABLE ROW LEVEL SECURITY;  ALTER TABLE quota_usage_history FORCE ROW LEVEL SECURITY;
ALTER TABLE cache_store ENABLE ROW LEVEL SECURITY;          ALTER TABLE cache_store FORCE ROW LEVEL SECURITY;

CREATE POLICY users_service ON users TO service_role USING (true) WITH CHECK (true);
CREATE POLICY users_read_public ON users FOR SELECT TO anon, authenticated USING (is_public AND deleted_at IS NULL);
CREATE POLICY users_read_own ON users FOR SELECT TO authenticated USING (id = (SELECT auth.uid()));
CREATE POLICY users_read_admin ON users FOR SELECT TO authenticated USING ((SELECT is_admin()));
CREATE POLICY users_update_own ON users FOR UPDATE TO authenticated
  USING (id = (SELECT auth.uid()) AND deleted_at IS NULL) WITH CHECK (id = (SELECT auth.uid()));

CREATE POLICY user_role_service ON user_role TO service_role USING (true) WITH CHECK (true);
CREATE POLICY user_role_read_own ON user_role FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()) OR (SELECT is_admin()));

CREATE POLICY user_setting_service ON user_setting TO service_role USING (true) WITH CHECK (true);
CREATE POLICY user_setting_read_own ON user_setting FOR SELECT TO authenticated USING (user_id = (SELECT auth.uid()));
CREATE POLICY user_setting_update_own ON user_setting FOR UPDATE TO authenticated
  USING (user_id = (SELECT auth.uid())) WITH CHECK (user_id = (SELECT auth.uid()));

CREATE POLICY subscription_tier_service ON subscription_tier TO service_role USING (true) WITH CHECK (true);
CREATE POLICY subscription_tier_read ON subscription_tier FOR SELECT TO anon, authenticated USING (is_active);
CREATE POLICY subscription_status_service ON subscription_status TO service_role USING (true) WITH CHECK (true);
CREATE POLICY subscription_status_read ON subscription_status FOR SELECT TO anon, authenticated USING (true);

CREATE POLICY subscription_service ON subscription TO service_role USING (true) WITH CHECK (true);
CREATE POLICY subscription_read_own ON subscription FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()) OR (SELECT is_admin()));

CREATE POLICY notification_service ON notification TO service_role USING (true) WITH CHECK (true);
CREATE POLICY notification_read_own ON notification FOR SELECT TO authenticated USING (user_id = (SELECT auth.uid()));
CREATE POLICY notification_update_own ON notification FOR UPDATE TO authenticated
  USING (user_id = (SELECT auth.uid())) WITH CHECK (user_id = (SELECT auth.uid()));
CREATE POLICY notification_delete_own ON notification FOR DELETE TO authenticated USING (user_id = (SELECT auth.uid()));

CREATE POLICY audit_log_service ON audit_log TO service_role USING (true) WITH CHECK (true);
CREATE POLICY audit_log_read_own ON audit_log FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()) OR (SELECT is_admin()));

CREATE POLICY quota_usage_history_service ON quota_usage_history TO service_role USING (true) WITH CHECK (true);
CREATE POLICY quota_usage_history_read_own ON quota_usage_history FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()) OR (SELECT is_admin()));

CREATE POLICY cache_store_service ON cache_store TO service_role USING (true) WITH CHECK (true);
