-- 012 oauth: what connecting a platform account needs beyond the seed's module 001.
--
-- Schema `oauth` (service side only; public keeps exactly the seed's 38 tables, and anon/authenticated get no
-- USAGE here): oauth.pending_authorization, one row per authorization a user started (GET /oauth-<slug>-init) and
-- the provider has not yet sent back. The state and the browser binding are stored as SHA-256 hashes, so a read of
-- this table gives nobody a usable state; the PKCE verifier is useless without the provider's code and our client
-- secret. A row is spent (used_at) the first time its state comes back, whatever the outcome, and purged a day later.
--
-- The tier's max_social_accounts, enforced for every writer by a trigger on social_account: the user's live
-- accounts are counted under a per-user advisory lock, so concurrent connections of one user are serialised and
-- exactly the limit succeed (SQLSTATE SVLIM past it).

CREATE SCHEMA IF NOT EXISTS oauth;
REVOKE ALL ON SCHEMA oauth FROM PUBLIC;
GRANT USAGE ON SCHEMA oauth TO service_role;

CREATE TABLE oauth.pending_authorization (
  state_hash     bytea PRIMARY KEY CHECK (octet_length(state_hash) = 32),
  user_id        uuid NOT NULL REFERENCES public.users (id) ON DELETE CASCADE,
  platform_slug  text NOT NULL REFERENCES public.platform (slug),
  -- SHA-256 of the nonce in the HttpOnly cookie the init answer set: the callback must come from the same browser.
  browser_hash   bytea NOT NULL CHECK (octet_length(browser_hash) = 32),
  code_verifier  text NOT NULL CHECK (code_verifier ~ '^[A-Za-z0-9._~-]{43,128}$'),
  created_at     timestamptz NOT NULL DEFAULT now(),
  expires_at     timestamptz NOT NULL,
  used_at        timestamptz,
  CHECK (expires_at > created_at)
);
CREATE INDEX pending_authorization_created_idx ON oauth.pending_authorization (created_at);
CREATE INDEX pending_authorization_user_idx ON oauth.pending_authorization (user_id);

GRANT SELECT, INSERT, UPDATE, DELETE ON oauth.pending_authorization TO service_role;
ALTER TABLE oauth.pending_authorization ENABLE ROW LEVEL SECURITY;
ALTER TABLE oauth.pending_authorization FORCE ROW LEVEL SECURITY;
CREATE POLICY pending_authorization_service ON oauth.pending_authorization TO service_role USING (true) WITH CHECK (true);

-- ---------------------------------------------------------------------------------------------
-- The tier's account limit
-- ---------------------------------------------------------------------------------------------
CREATE FUNCTION public.enforce_social_account_limit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  max_accounts integer;
  live_accounts integer;
BEGIN
  -- One user's connections queue here; each statement below then sees what the ones before committed.
  PERFORM pg_advisory_xact_lock(hashtextextended('streamvibe.social_account_limit:' || NEW.user_id::text, 0));
  SELECT q.max_social_accounts INTO max_accounts FROM public.effective_quota(NEW.user_id) q;
  SELECT count(*) INTO live_accounts FROM public.social_account a
  WHERE a.user_id = NEW.user_id AND a.deleted_at IS NULL AND a.id <> NEW.id;
  IF live_accounts >= coalesce(max_accounts, 0) THEN
    RAISE EXCEPTION 'Your plan allows % connected accounts; disconnect one or upgrade to connect another', coalesce(max_accounts, 0)
      USING ERRCODE = 'SVLIM';
  END IF;
  RETURN NEW;
END $$;
ALTER FUNCTION public.enforce_social_account_limit() OWNER TO streamvibe_definer;
CREATE TRIGGER social_account_limit_insert BEFORE INSERT ON public.social_account
  FOR EACH ROW WHEN (NEW.deleted_at IS NULL) EXECUTE FUNCTION public.enforce_social_account_limit();
CREATE TRIGGER social_account_limit_revive BEFORE UPDATE OF deleted_at, user_id ON public.social_account
  FOR EACH ROW WHEN (NEW.deleted_at IS NULL AND (OLD.deleted_at IS NOT NULL OR OLD.user_id <> NEW.user_id))
  EXECUTE FUNCTION public.enforce_social_account_limit();
