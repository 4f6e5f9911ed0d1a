-- 005 discovery platform: categories, tags, click tracking, media, trending ranks and featured creators,
-- plus the creator-profile functions.

CREATE TABLE content_category (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code          text NOT NULL UNIQUE CHECK (code ~ '^[a-z][a-z_]{1,30}$'),
  display_name  text NOT NULL,
  description   text,
  icon          text,
  is_active     boolean NOT NULL DEFAULT true,
  sort_order    integer NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE users ADD FOREIGN KEY (primary_category) REFERENCES content_category (code) ON UPDATE CASCADE;
ALTER TABLE content_item ADD FOREIGN KEY (category_code) REFERENCES content_category (code) ON UPDATE CASCADE;
ALTER TABLE trending_keyword ADD FOREIGN KEY (category_code) REFERENCES content_category (code) ON UPDATE CASCADE;

CREATE TABLE content_tag (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  content_id         uuid NOT NULL REFERENCES content_item (id) ON DELETE CASCADE,
  tag                text NOT NULL CHECK (tag = lower(tag) AND char_length(tag) BETWEEN 1 AND 60),
  source             text NOT NULL DEFAULT 'user' CHECK (source IN ('user', 'platform', 'ai_generated')),
  confidence_score   numeric(4, 3) CHECK (confidence_score BETWEEN 0 AND 1),
  tag_type           text NOT NULL DEFAULT 'keyword' CHECK (tag_type IN ('keyword', 'topic', 'hashtag', 'entity')),
  created_at         timestamptz NOT NULL DEFAULT now(),
  UNIQUE (content_id, tag)
);
CREATE INDEX content_tag_tag_idx ON content_tag (tag, content_id);

CREATE TABLE content_click (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  content_id    uuid NOT NULL REFERENCES content_item (id) ON DELETE CASCADE,
  user_id       uuid REFERENCES users (id) ON DELETE SET NULL,
  visitor_hash  text CHECK (char_length(visitor_hash) <= 128),  -- keyed hash of the visitor, computed server-side
  click_hour    timestamptz NOT NULL DEFAULT date_bin('1 hour', now(), timestamptz '2000-01-01 00:00:00+00'),
  referrer      text CHECK (char_length(referrer) <= 2048),
  user_agent    text CHECK (char_length(user_agent) <= 1024),
  clicked_at    timestamptz NOT NULL DEFAULT now()
);
-- A visitor counts once per item per hour.
CREATE UNIQUE INDEX content_click_once_per_hour_idx ON content_click (content_id, visitor_hash, click_hour)
  WHERE visitor_hash IS NOT NULL;
CREATE INDEX content_click_content_time_idx ON content_click (content_id, clicked_at DESC);
CREATE INDEX content_click_time_idx ON content_click (clicked_at);
CREATE INDEX content_click_user_idx ON content_click (user_id);

CREATE TABLE content_media (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  content_id        uuid NOT NULL REFERENCES content_item (id) ON DELETE CASCADE,
  media_type        text NOT NULL CHECK (media_type IN ('image', 'video', 'thumbnail', 'audio')),
  url               text NOT NULL CHECK (url ~ '^https?://' AND char_length(url) <= 2048),
  width             integer CHECK (width > 0),
  height            integer CHECK (height > 0),
  duration_seconds  integer CHECK (duration_seconds >= 0),
  file_size_bytes   bigint CHECK (file_size_bytes >= 0),
  mime_type         text,
  alt_text          text CHECK (char_length(alt_text) <= 1000),
  sort_order        integer NOT NULL DEFAULT 0,
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX content_media_content_idx ON content_media (content_id, sort_order);

CREATE TABLE trending_content (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  content_id     uuid NOT NULL REFERENCES content_item (id) ON DELETE CASCADE,
  period         text NOT NULL CHECK (period IN ('today', 'week', 'month', 'all_time')),
  rank           integer NOT NULL CHECK (rank > 0),
  trend_score    numeric(20, 6) NOT NULL,
  category_code  text REFERENCES content_category (code) ON UPDATE CASCADE,
  computed_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (period, rank),
  UNIQUE (period, content_id)
);
CREATE INDEX trending_content_category_idx ON trending_content (period, category_code, rank);
CREATE INDEX trending_content_content_idx ON trending_content (content_id);

CREATE TABLE featured_creator (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  category_code  text REFERENCES content_category (code) ON UPDATE CASCADE,
  headline       text CHECK (char_length(headline) <= 200),
  position       integer NOT NULL DEFAULT 0,
  starts_at      timestamptz NOT NULL DEFAULT now(),
  ends_at        timestamptz,
  is_active      boolean NOT NULL DEFAULT true,
  created_by     uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at     timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_at IS NULL OR ends_at > starts_at)
);
CREATE INDEX featured_creator_live_idx ON featured_creator (category_code, position) WHERE is_active;
CREATE INDEX featured_creator_user_idx ON featured_creator (user_id);

INSERT INTO content_category (code, display_name, icon, sort_order) VALUES
  ('music', 'Music', '🎵', 1), ('gaming', 'Gaming', '🎮', 2), ('education', 'Education', '📚', 3),
  ('entertainment', 'Entertainment', '🎬', 4), ('sports', 'Sports', '⚽', 5), ('technology', 'Technology', '💻', 6),
  ('lifestyle', 'Lifestyle', '🌿', 7), ('comedy', 'Comedy', '😂', 8), ('news', 'News & Politics', '📰', 9),
  ('food', 'Food & Cooking', '🍳', 10), ('travel', 'Travel', '✈️', 11), ('fitness', 'Health & Fitness', '💪', 12),
  ('beauty', 'Beauty & Fashion', '💄', 13), ('art', 'Art & Design', '🎨', 14), ('business', 'Business & Finance', '💼', 15);

-- ---------------------------------------------------------------------------------------------
-- Functions
-- ---------------------------------------------------------------------------------------------

-- A URL slug from a display name, unique among users: 'Tech Gaming Channel' -> 'tech-gaming-channel', then
-- 'tech-gaming-channel-2', -3, … on collision. The user's own current slug does not count as a collision.
CREATE FUNCTION generate_profile_slug(p_display_name text, p_user_id uuid) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  base text;
  candidate text;
  suffix integer := 1;
BEGIN
  base := left(trim(both '-' from regexp_replace(lower(extensions.unaccent(coalesce(p_display_name, ''))), '[^a-z0-9]+', '-', 'g')), 100);
  base := trim(both '-' from base);
  IF base = '' THEN
    base := 'creator';
  END IF;
  candidate := base;
  WHILE EXISTS (SELECT 1 FROM public.users WHERE profile_slug = candidate AND id IS DISTINCT FROM p_user_id) LOOP
    suffix := suffix + 1;
    candidate := base || '-' || suffix;
  END LOOP;
  RETURN candidate;
END $$;
ALTER FUNCTION generate_profile_slug(text, uuid) OWNER TO streamvibe_definer;

-- The caller's slug for a display name (their own current slug is not a collision).
CREATE FUNCTION suggest_profile_slug(p_display_name text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT public.generate_profile_slug(p_display_name, auth.uid()) WHERE auth.uid() IS NOT NULL
$$;
ALTER FUNCTION suggest_profile_slug(text) OWNER TO streamvibe_definer;

-- Recomputes a creator's follower total from their live social accounts (repairs; the trigger below keeps it current).
CREATE FUNCTION update_total_followers(p_user_id uuid) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$
  UPDATE public.users u
  SET total_followers = (SELECT coalesce(sum(follower_count), 0) FROM public.social_account
                         WHERE user_id = p_user_id AND deleted_at IS NULL)
  WHERE u.id = p_user_id
  RETURNING u.total_followers
$$;
ALTER FUNCTION update_total_followers(uuid) OWNER TO streamvibe_definer;

-- Applies follower changes as a delta (one atomic UPDATE), so concurrent account syncs never lose a change.
CREATE FUNCTION apply_follower_delta() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  old_live bigint := CASE WHEN TG_OP <> 'INSERT' AND OLD.deleted_at IS NULL THEN OLD.follower_count ELSE 0 END;
  new_live bigint := CASE WHEN TG_OP <> 'DELETE' AND NEW.deleted_at IS NULL THEN NEW.follower_count ELSE 0 END;
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.user_id <> NEW.user_id THEN
    RAISE EXCEPTION 'a social account cannot move to another user' USING ERRCODE = 'check_violation';
  END IF;
  IF new_live <> old_live THEN
    UPDATE public.users SET total_followers = greatest(total_followers + new_live - old_live, 0)
    WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.user_id ELSE NEW.user_id END;
  END IF;
  RETURN NULL;
END $$;
ALTER FUNCTION apply_follower_delta() OWNER TO streamvibe_definer;
CREATE TRIGGER social_account_follower_total AFTER INSERT OR DELETE OR UPDATE OF follower_count, deleted_at, user_id
  ON social_account FOR EACH ROW EXECUTE FUNCTION apply_follower_delta();

-- Adds one click to an item's counter and returns the new total (server-side only; see track_content_click).
CREATE FUNCTION increment_content_clicks(p_content_id uuid) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$
  UPDATE public.content_item SET total_clicks = total_clicks + 1 WHERE id = p_content_id RETURNING total_clicks
$$;
ALTER FUNCTION increment_content_clicks(uuid) OWNER TO streamvibe_definer;

-- Records a click on a discoverable item and counts it once per visitor per hour. Returns whether it counted.
CREATE FUNCTION track_content_click(p_content_id uuid, p_visitor_hash text, p_user_id uuid DEFAULT NULL,
                                    p_referrer text DEFAULT NULL, p_user_agent text DEFAULT NULL) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  click_id bigint;
BEGIN
  IF p_visitor_hash IS NULL OR p_visitor_hash !~ '^[A-Za-z0-9_-]{16,128}$' THEN
    RAISE EXCEPTION 'visitor hash must be 16-128 url-safe characters' USING ERRCODE = '22023';
  END IF;
  INSERT INTO public.content_click (content_id, user_id, visitor_hash, referrer, user_agent)
  SELECT c.id, p_user_id, p_visitor_hash, left(p_referrer, 2048), left(p_user_agent, 1024)
  FROM public.content_item c
  JOIN public.users u ON u.id = c.user_id
  WHERE c.id = p_content_id AND c.visibility = 'public' AND c.deleted_at IS NULL AND u.is_public AND u.deleted_at IS NULL
  ON CONFLICT (content_id, visitor_hash, click_hour) WHERE visitor_hash IS NOT NULL DO NOTHING
  RETURNING id INTO click_id;
  IF click_id IS NULL THEN
    RETURN false;
  END IF;
  PERFORM public.increment_content_clicks(p_content_id);
  RETURN true;
END $$;
ALTER FUNCTION track_content_click(uuid, text, uuid, text, text) OWNER TO streamvibe_definer;

-- Engagement decayed by age (gravity 1.5, as in HN-style ranking): clicks weigh 10 views. Never NULL.
CREATE FUNCTION calculate_trend_score(p_clicks bigint, p_views bigint, p_published_at timestamptz) RETURNS numeric
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = '' AS $$
  SELECT round(
    (coalesce(p_clicks, 0) * 10 + coalesce(p_views, 0))::numeric
    / power(greatest(extract(epoch FROM now() - coalesce(p_published_at, now())) / 3600, 0) + 2, 1.5), 6)
$$;

-- Rebuilds the trending ranks (today, week, month, all_time) from calculate_trend_score, top p_limit per period.
-- Candidates are bounded: the most viewed items published in the window, so the refresh stays cheap at 1M items.
CREATE FUNCTION refresh_trending_content(p_limit integer DEFAULT 100) RETURNS integer
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
      JOIN public.users u ON u.id = ci.user_id AND u.is_public AND u.deleted_at IS NULL
      WHERE ci.visibility = 'public' AND ci.deleted_at IS NULL
        AND (w.window_length IS NULL OR ci.published_at >= now() - w.window_length)
      ORDER BY ci.views_count DESC, ci.id DESC
      LIMIT candidate_limit
    ) c
  ) ranked
  WHERE rank <= p_limit;
  GET DIAGNOSTICS inserted = ROW_COUNT;
  RETURN inserted;
END $$;
ALTER FUNCTION refresh_trending_content(integer) OWNER TO streamvibe_definer;

GRANT EXECUTE ON FUNCTION calculate_trend_score(bigint, bigint, timestamptz) TO anon, authenticated, service_role;
GRANT EXECUTE ON FUNCTION suggest_profile_slug(text) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION generate_profile_slug(text, uuid), update_total_followers(uuid), increment_content_clicks(uuid),
  track_content_click(uuid, text, uuid, text, text), refresh_trending_content(integer) TO service_role;

-- ---------------------------------------------------------------------------------------------
-- Privileges and row-level security
-- ---------------------------------------------------------------------------------------------
GRANT SELECT, INSERT, UPDATE, DELETE ON content_category, content_tag, content_click, content_media, trending_content,
  featured_creator TO service_role;
GRANT SELECT ON content_category, content_tag, content_media, trending_content, featured_creator TO anon, authenticated;
-- Creators add and remove their own tags (source 'user'); AI and platform tags are the workers' to change.
GRANT INSERT (content_id, tag, tag_type), DELETE ON content_tag TO authenticated;
-- Creators see who clicked their items (no visitor hash).
GRANT SELECT (id, content_id, referrer, clicked_at) ON content_click TO authenticated;

ALTER TABLE content_category ENABLE ROW LEVEL SECURITY;  ALTER TABLE content_category FORCE ROW LEVEL SECURITY;
ALTER TABLE content_tag ENABLE ROW LEVEL SECURITY;       ALTER TABLE content_tag FORCE ROW LEVEL SECURITY;
ALTER TABLE content_click ENABLE ROW LEVEL SECURITY;     ALTER TABLE content_click FORCE ROW LEVEL SECURITY;
ALTER TABLE content_media ENABLE ROW LEVEL SECURITY;     ALTER TABLE content_media FORCE ROW LEVEL SECURITY;
ALTER TABLE trending_content ENABLE ROW LEVEL SECURITY;  ALTER TABLE trending_content FORCE ROW LEVEL SECURITY;
ALTER TABLE featured_creator ENABLE ROW LEVEL SECURITY;  ALTER TABLE featured_creator FORCE ROW LEVEL SECURITY;

CREATE POLICY content_category_service ON content_category TO service_role USING (true) WITH CHECK (true);
CREATE POLICY content_category_read ON content_category FOR SELECT TO anon, authenticated USING (is_active);

-- Tags and media are as visible as their item (the item's own policies decide, through the subquery).
CREATE POLICY content_tag_service ON content_tag TO service_role USING (true) WITH CHECK (true);
CREATE POLICY content_tag_read ON content_tag FOR SELECT TO anon, authenticated
  USING (EXISTS (SELECT 1 FROM content_item c WHERE c.id = content_id));
CREATE POLICY content_tag_insert_own ON content_tag FOR INSERT TO authenticated
  WITH CHECK (source = 'user' AND EXISTS (SELECT 1 FROM content_item c WHERE c.id = content_id AND c.user_id = (SELECT auth.uid())));
CREATE POLICY content_tag_delete_own ON content_tag FOR DELETE TO authenticated
  USING (source = 'user' AND EXISTS (SELECT 1 FROM content_item c WHERE c.id = content_id AND c.user_id = (SELECT auth.uid())));

CREATE POLICY content_media_service ON content_media TO service_role USING (true) WITH CHECK (true);
CREATE POLICY content_media_read ON content_media FOR SELECT TO anon, authenticated
  USING (EXISTS (SELECT 1 FROM content_item c WHERE c.id = content_id));

CREATE POLICY content_click_service ON content_click TO service_role USING (true) WITH CHECK (true);
CREATE POLICY content_click_read_own ON content_click FOR SELECT TO authenticated
  USING (EXISTS (SELECT 1 FROM content_item c WHERE c.id = content_id AND c.user_id = (SELECT auth.uid())) OR (SELECT is_admin()));

CREATE POLICY trending_content_service ON trending_content TO service_role USING (true) WITH CHECK (true);
CREATE POLICY trending_content_read ON trending_content FOR SELECT TO anon, authenticated
  USING (EXISTS (SELECT 1 FROM content_item c WHERE c.id = content_id));

CREATE POLICY featured_creator_service ON featured_creator TO service_role USING (true) WITH CHECK (true);
CREATE POLICY featured_creator_read ON featured_creator FOR SELECT TO anon, authenticated
  USING (is_active AND starts_at <= now() AND (ends_at IS NULL OR ends_at > now())
         AND EXISTS (SELECT 1 FROM users u WHERE u.id = user_id AND u.is_public AND u.deleted_at IS NULL));
