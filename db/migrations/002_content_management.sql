-- 002 content management: content types, synced content items with full-text search, and revisions.

CREATE TABLE content_type (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug          text NOT NULL UNIQUE,
  display_name  text NOT NULL,
  description   text,
  is_video      boolean NOT NULL DEFAULT false,
  is_active     boolean NOT NULL DEFAULT true,
  sort_order    integer NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE content_item (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  social_account_id     uuid NOT NULL,
  user_id               uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  platform_id           uuid NOT NULL REFERENCES platform (id),
  content_type_id       uuid NOT NULL REFERENCES content_type (id),
  platform_content_id   text NOT NULL CHECK (char_length(platform_content_id) <= 255),
  title                 text NOT NULL DEFAULT '' CHECK (char_length(title) <= 500),
  description           text NOT NULL DEFAULT '' CHECK (char_length(description) <= 10000),
  url                   text CHECK (url ~ '^https?://'),
  thumbnail_url         text CHECK (thumbnail_url ~ '^https?://'),
  duration_seconds      integer CHECK (duration_seconds >= 0),
  language              text CHECK (char_length(language) <= 16),
  category_code         text,  -- FK to content_category(code), added in 005
  visibility            visibility_enum NOT NULL DEFAULT 'public',
  published_at          timestamptz NOT NULL DEFAULT now(),
  views_count           bigint NOT NULL DEFAULT 0 CHECK (views_count >= 0),
  likes_count           bigint NOT NULL DEFAULT 0 CHECK (likes_count >= 0),
  comments_count        bigint NOT NULL DEFAULT 0 CHECK (comments_count >= 0),
  shares_count          bigint NOT NULL DEFAULT 0 CHECK (shares_count >= 0),
  total_clicks          bigint NOT NULL DEFAULT 0 CHECK (total_clicks >= 0),
  platform_data         jsonb NOT NULL DEFAULT '{}',
  -- Weighted title + description; an explicit regconfig keeps the expression immutable.
  search_vector         tsvector GENERATED ALWAYS AS (
                          setweight(to_tsvector('english'::regconfig, title), 'A') ||
                          setweight(to_tsvector('english'::regconfig, description), 'B')) STORED,
  ai_processed_at       timestamptz,
  last_synced_at        timestamptz,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  deleted_at            timestamptz,
  UNIQUE (social_account_id, platform_content_id),
  -- The item's owner and platform are its account's: denormalised for RLS and filters, kept honest by the FK.
  FOREIGN KEY (social_account_id, user_id, platform_id) REFERENCES social_account (id, user_id, platform_id)
);
-- Discovery reads only public, live items: partial indexes keep them small and ordered for keyset pages.
CREATE INDEX content_item_public_recent_idx ON content_item (published_at DESC, id DESC)
  WHERE visibility = 'public' AND deleted_at IS NULL;
CREATE INDEX content_item_public_category_recent_idx ON content_item (category_code, published_at DESC, id DESC)
  WHERE visibility = 'public' AND deleted_at IS NULL;
CREATE INDEX content_item_public_category_popular_idx ON content_item (category_code, views_count DESC, id DESC)
  WHERE visibility = 'public' AND deleted_at IS NULL;
CREATE INDEX content_item_public_popular_idx ON content_item (views_count DESC, id DESC)
  WHERE visibility = 'public' AND deleted_at IS NULL;
CREATE INDEX content_item_public_account_recent_idx ON content_item (social_account_id, published_at DESC, id DESC)
  WHERE visibility = 'public' AND deleted_at IS NULL;
CREATE INDEX content_item_public_platform_recent_idx ON content_item (platform_id, published_at DESC, id DESC)
  WHERE visibility = 'public' AND deleted_at IS NULL;
CREATE INDEX content_item_user_created_idx ON content_item (user_id, created_at DESC);
CREATE INDEX content_item_content_type_idx ON content_item (content_type_id);
CREATE INDEX content_item_search_idx ON content_item USING gin (search_vector);
CREATE INDEX content_item_title_trgm_idx ON content_item USING gin (title extensions.gin_trgm_ops);
CREATE INDEX content_item_ai_pending_idx ON content_item (user_id, created_at) WHERE ai_processed_at IS NULL AND deleted_at IS NULL;
CREATE TRIGGER content_item_updated_at BEFORE UPDATE ON content_item FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE content_revision (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  content_item_id   uuid NOT NULL REFERENCES content_item (id) ON DELETE CASCADE,
  user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  revision_number   integer NOT NULL CHECK (revision_number > 0),
  title             text NOT NULL,
  description       text NOT NULL,
  category_code     text,
  visibility        visibility_enum NOT NULL,
  changed_by        uuid,            -- auth.uid() of the editor; null for server-side changes (sync, AI, admin)
  change_source     text NOT NULL CHECK (change_source IN ('user', 'system')),
  created_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (content_item_id, revision_number)
);
CREATE INDEX content_revision_user_idx ON content_revision (user_id, created_at DESC);

INSERT INTO content_type (slug, display_name, description, is_video, sort_order) VALUES
  ('long_video',  'Long video',  'Videos over 60 seconds (YouTube, Facebook)',  true,  1),
  ('short_video', 'Short video', 'Vertical videos up to 60 seconds (Shorts)',   true,  2),
  ('image',       'Image',       'A single photo',                              false, 3),
  ('carousel',    'Carousel',    'Several photos or videos in one post',        false, 4),
  ('story',       'Story',       'Ephemeral 24-hour content',                   false, 5),
  ('reel',        'Reel',        'Instagram and Facebook reels',                true,  6),
  ('post',        'Post',        'Text posts and tweets',                       false, 7);

-- Keeps the previous version of an item whenever its title, description, category or visibility changes.
-- The row lock the UPDATE holds serialises revision numbers per item.
CREATE FUNCTION record_content_revision() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF (OLD.title, OLD.description, OLD.category_code, OLD.visibility)
     IS DISTINCT FROM (NEW.title, NEW.description, NEW.category_code, NEW.visibility) THEN
    INSERT INTO public.content_revision
      (content_item_id, user_id, revision_number, title, description, category_code, visibility, changed_by, change_source)
    SELECT OLD.id, OLD.user_id, coalesce(max(r.revision_number), 0) + 1, OLD.title, OLD.description, OLD.category_code,
           OLD.visibility, auth.uid(),
           CASE WHEN auth.uid() IS NOT NULL THEN 'user' ELSE 'system' END
    FROM public.content_revision r WHERE r.content_item_id = OLD.id;
  END IF;
  RETURN NEW;
END $$;
ALTER FUNCTION record_content_revision() OWNER TO streamvibe_definer;
CREATE TRIGGER content_item_record_revision AFTER UPDATE ON content_item FOR EACH ROW EXECUTE FUNCTION record_content_revision();

-- An account with content cannot be deleted: archive (soft-delete) its content first. Erasing the whole user
-- (the users row is already gone when its cascade reaches the accounts) takes the content with it.
CREATE FUNCTION prevent_social_account_delete_with_content() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM public.users WHERE id = OLD.user_id)
     AND EXISTS (SELECT 1 FROM public.content_item WHERE social_account_id = OLD.id AND deleted_at IS NULL) THEN
    RAISE EXCEPTION 'Cannot delete social account with existing content'
      USING ERRCODE = 'restrict_violation', HINT = 'Archive (soft-delete) the account''s content first.';
  END IF;
  RETURN OLD;
END $$;
ALTER FUNCTION prevent_social_account_delete_with_content() OWNER TO streamvibe_definer;
CREATE TRIGGER social_account_protect_content BEFORE DELETE ON social_account
  FOR EACH ROW EXECUTE FUNCTION prevent_social_account_delete_with_content();

-- Privileges and row-level security
GRANT SELECT, INSERT, UPDATE, DELETE ON content_type, content_item, content_revision TO service_role;
GRANT SELECT ON content_type TO anon, authenticated;
GRANT SELECT (id, social_account_id, user_id, platform_id, content_type_id, platform_content_id, title, description, url,
  thumbnail_url, duration_seconds, language, category_code, visibility, published_at, views_count, likes_count,
  comments_count, shares_count, total_clicks, search_vector, created_at, updated_at, deleted_at)
  ON content_item TO anon, authenticated;
-- A creator edits presentation and may archive; counters, ownership and platform ids stay the sync's.
GRANT UPDATE (title, description, category_code, visibility, language, deleted_at) ON content_item TO authenticated;
GRANT SELECT ON content_revision TO authenticated;

ALTER TABLE content_type ENABLE ROW LEVEL SECURITY;      ALTER TABLE content_type FORCE ROW LEVEL SECURITY;
ALTER TABLE content_item ENABLE ROW LEVEL SECURITY;      ALTER TABLE content_item FORCE ROW LEVEL SECURITY;
ALTER TABLE content_revision ENABLE ROW LEVEL SECURITY;  ALTER TABLE content_revision FORCE ROW LEVEL SECURITY;

CREATE POLICY content_type_service ON content_type TO service_role USING (true) WITH CHECK (true);
CREATE POLICY content_type_read ON content_type FOR SELECT TO anon, authenticated USING (is_active);

CREATE POLICY content_item_service ON content_item TO service_role USING (true) WITH CHECK (true);
-- Discovery: public, live items of public creators.
CREATE POLICY content_item_read_public ON content_item FOR SELECT TO anon, authenticated
  USING (visibility = 'public' AND deleted_at IS NULL
         AND EXISTS (SELECT 1 FROM users u WHERE u.id = user_id AND u.is_public AND u.deleted_at IS NULL));
CREATE POLICY content_item_read_own ON content_item FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()) OR (SELECT is_admin()));
CREATE POLICY content_item_update_own ON content_item FOR UPDATE TO authenticated
  USING (user_id = (SELECT auth.uid())) WITH CHECK (user_id = (SELECT auth.uid()));

CREATE POLICY content_revision_service ON content_revision TO service_role USING (true) WITH CHECK (true);
CREATE POLICY content_revision_read_own ON content_revision FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()) OR (SELECT is_admin()));
