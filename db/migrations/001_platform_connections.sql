-- 001 platform connections: the platforms, OAuth connections (tokens live in Secrets Manager; the
-- database keeps only the secret's name) and the social accounts they expose.

CREATE TABLE platform (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug             text NOT NULL UNIQUE,
  display_name     text NOT NULL,
  website_url      text NOT NULL,
  brand_color      text CHECK (brand_color ~ '^#[0-9A-F]{6}$'),
  supports_oauth   boolean NOT NULL DEFAULT true,
  is_active        boolean NOT NULL DEFAULT true,
  sort_order       integer NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE account_status (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug          text NOT NULL UNIQUE,
  display_name  text NOT NULL,
  description   text,
  can_sync      boolean NOT NULL,
  sort_order    integer NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE platform_connection (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id             uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  platform_id         uuid NOT NULL REFERENCES platform (id),
  platform_user_id    text NOT NULL CHECK (char_length(platform_user_id) <= 255),
  platform_username   text CHECK (char_length(platform_username) <= 255),
  vault_secret_name   text NOT NULL UNIQUE CHECK (vault_secret_name ~ '^[A-Za-z0-9/_+=.@-]+$' AND char_length(vault_secret_name) <= 512),  -- Secrets Manager name
  scopes              text[] NOT NULL DEFAULT '{}',
  token_expires_at    timestamptz,
  last_refreshed_at   timestamptz,
  status_id           uuid NOT NULL REFERENCES account_status (id),
  is_active           boolean NOT NULL DEFAULT true,
  last_error          text,
  connected_at        timestamptz NOT NULL DEFAULT now(),
  disconnected_at     timestamptz,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  UNIQUE (platform_id, platform_user_id)  -- one provider account belongs to one StreamVibe user
);
CREATE INDEX platform_connection_user_idx ON platform_connection (user_id, platform_id);
CREATE INDEX platform_connection_status_idx ON platform_connection (status_id);
CREATE INDEX platform_connection_token_expiry_idx ON platform_connection (token_expires_at) WHERE is_active;
CREATE TRIGGER platform_connection_updated_at BEFORE UPDATE ON platform_connection
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE social_account (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id               uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  platform_id           uuid NOT NULL REFERENCES platform (id),
  connection_id         uuid REFERENCES platform_connection (id) ON DELETE SET NULL,
  platform_account_id   text NOT NULL CHECK (char_length(platform_account_id) <= 255),
  handle                text CHECK (char_length(handle) <= 255),
  display_name          text CHECK (char_length(display_name) <= 255),
  profile_url           text CHECK (profile_url ~ '^https?://'),
  avatar_url            text CHECK (avatar_url ~ '^https?://'),
  bio                   text,
  follower_count        bigint NOT NULL DEFAULT 0 CHECK (follower_count >= 0),
  following_count       bigint NOT NULL DEFAULT 0 CHECK (following_count >= 0),
  content_count         bigint NOT NULL DEFAULT 0 CHECK (content_count >= 0),
  total_views           bigint NOT NULL DEFAULT 0 CHECK (total_views >= 0),
  status_id             uuid NOT NULL REFERENCES account_status (id),
  is_primary            boolean NOT NULL DEFAULT false,
  sync_enabled          boolean NOT NULL DEFAULT true,
  sync_cursor           text,  -- the provider's page token / since-id for incremental sync
  last_synced_at        timestamptz,
  last_sync_error       text,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  deleted_at            timestamptz,
  UNIQUE (platform_id, platform_account_id),
  UNIQUE (id, user_id, platform_id)  -- target of content_item's consistency FK
);
CREATE INDEX social_account_user_idx ON social_account (user_id, platform_id) WHERE deleted_at IS NULL;
CREATE INDEX social_account_connection_idx ON social_account (connection_id);
CREATE INDEX social_account_status_idx ON social_account (status_id);
CREATE INDEX social_account_sync_due_idx ON social_account (last_synced_at NULLS FIRST) WHERE sync_enabled AND deleted_at IS NULL;
CREATE TRIGGER social_account_updated_at BEFORE UPDATE ON social_account FOR EACH ROW EXECUTE FUNCTION set_updated_at();

INSERT INTO platform (slug, display_name, website_url, brand_color, sort_order) VALUES
  ('youtube',   'YouTube',     'https://www.youtube.com',   '#FF0000', 1),
  ('instagram', 'Instagram',   'https://www.instagram.com', '#E4405F', 2),
  ('tiktok',    'TikTok',      'https://www.tiktok.com',    '#000000', 3),
  ('facebook',  'Facebook',    'https://www.facebook.com',  '#1877F2', 4),
  ('twitter',   'X (Twitter)', 'https://x.com',             '#000000', 5);

INSERT INTO account_status (slug, display_name, description, can_sync, sort_order) VALUES
  ('active',       'Active',       'Connected and syncing',                             true,  1),
  ('inactive',     'Inactive',     'Connected; sync paused by the creator',             false, 2),
  ('suspended',    'Suspended',    'Suspended by the platform or by moderation',        false, 3),
  ('disconnected', 'Disconnected', 'Access revoked or token expired; reconnect needed', false, 4);

-- Privileges and row-level security
GRANT SELECT, INSERT, UPDATE, DELETE ON platform, account_status, platform_connection, social_account TO service_role;
GRANT SELECT ON platform, account_status TO anon, authenticated;
GRANT SELECT (id, user_id, platform_id, platform_user_id, platform_username, scopes, token_expires_at, status_id, is_active,
  last_error, connected_at, disconnected_at, created_at, updated_at) ON platform_connection TO authenticated;
-- Public columns only, for anon and signed-in users alike (a column grant holds for every visible row); sync
-- state and errors reach the owner through service-side routes.
GRANT SELECT (id, user_id, platform_id, platform_account_id, handle, display_name, profile_url, avatar_url, bio,
  follower_count, following_count, content_count, total_views, status_id, is_primary, created_at, deleted_at)
  ON social_account TO anon, authenticated;
GRANT UPDATE (is_primary, sync_enabled) ON social_account TO authenticated;

ALTER TABLE platform ENABLE ROW LEVEL SECURITY;             ALTER TABLE platform FORCE ROW LEVEL SECURITY;
ALTER TABLE account_status ENABLE ROW LEVEL SECURITY;       ALTER TABLE account_status FORCE ROW LEVEL SECURITY;
ALTER TABLE platform_connection ENABLE ROW LEVEL SECURITY;  ALTER TABLE platform_connection FORCE ROW LEVEL SECURITY;
ALTER TABLE social_account ENABLE ROW LEVEL SECURITY;       ALTER TABLE social_account FORCE ROW LEVEL SECURITY;

CREATE POLICY platform_service ON platform TO service_role USING (true) WITH CHECK (true);
CREATE POLICY platform_read ON platform FOR SELECT TO anon, authenticated USING (is_active);
CREATE POLICY account_status_service ON account_status TO service_role USING (true) WITH CHECK (true);
CREATE POLICY account_status_read ON account_status FOR SELECT TO anon, authenticated USING (true);

CREATE POLICY platform_connection_service ON platform_connection TO service_role USING (true) WITH CHECK (true);
CREATE POLICY platform_connection_read_own ON platform_connection FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()) OR (SELECT is_admin()));

CREATE POLICY social_account_service ON social_account TO service_role USING (true) WITH CHECK (true);
-- Discovery: a public creator's live accounts are public.
CREATE POLICY social_account_read_public ON social_account FOR SELECT TO anon, authenticated
  USING (deleted_at IS NULL AND EXISTS (SELECT 1 FROM users u WHERE u.id = user_id AND u.is_public AND u.deleted_at IS NULL));
CREATE POLICY social_account_read_own ON social_account FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()) OR (SELECT is_admin()));
CREATE POLICY social_account_update_own ON social_account FOR UPDATE TO authenticated
  USING (user_id = (SELECT auth.uid()) AND deleted_at IS NULL) WITH CHECK (user_id = (SELECT auth.uid()));
