-- 014: what a creator changed on their own content, so the sync keeps it; and the index of their own list.
--
-- content_item.user_edited_fields names the presentation fields (title, description, category_code, visibility) a
-- user has set: a BEFORE UPDATE trigger adds a field whenever an UPDATE by a user (auth.uid() set, the same rule
-- record_content_revision() uses for change_source 'user') changes its value. Set in SQL, not by the route, so every
-- user path marks it, in the statement that makes the change. The sync (service_role, auth.uid() null) never marks
-- and must keep a marked field's value: in its upsert,
--   title = CASE WHEN 'title' = ANY(content_item.user_edited_fields) THEN content_item.title ELSE EXCLUDED.title END
-- (likewise description, category_code, visibility), in the same statement, so a user's edit that commits while a
-- sync runs is never overwritten with what the sync read before it.
--
-- No privilege to anon or authenticated: column grants are per role, so a SELECT grant would show any signed-in user
-- which fields of another creator's public item were edited; a trigger's assignment to NEW needs no UPDATE grant,
-- and a user cannot clear the mark to hand the field back to the sync by accident (or forge one).
ALTER TABLE content_item ADD COLUMN user_edited_fields text[] NOT NULL DEFAULT '{}'
  CHECK (user_edited_fields <@ ARRAY['title', 'description', 'category_code', 'visibility']);

CREATE FUNCTION mark_content_user_edits() RETURNS trigger
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  edited text[] := '{}';
BEGIN
  IF auth.uid() IS NULL THEN
    RETURN NEW;
  END IF;
  IF NEW.title IS DISTINCT FROM OLD.title THEN edited := array_append(edited, 'title'); END IF;
  IF NEW.description IS DISTINCT FROM OLD.description THEN edited := array_append(edited, 'description'); END IF;
  IF NEW.category_code IS DISTINCT FROM OLD.category_code THEN edited := array_append(edited, 'category_code'); END IF;
  IF NEW.visibility IS DISTINCT FROM OLD.visibility THEN edited := array_append(edited, 'visibility'); END IF;
  IF cardinality(edited) > 0 THEN
    NEW.user_edited_fields := ARRAY(SELECT DISTINCT f FROM unnest(OLD.user_edited_fields || edited) AS f ORDER BY f);
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER content_item_mark_user_edits BEFORE UPDATE OF title, description, category_code, visibility ON content_item
  FOR EACH ROW EXECUTE FUNCTION mark_content_user_edits();

-- GET /my-content: a creator's items, newest first, whatever their visibility (the public indexes are partial).
CREATE INDEX content_item_user_recent_idx ON content_item (user_id, published_at DESC, id DESC);
