-- 017 sync: one page of a sync written by one function call.
--
-- The sync worker used to send the page's upsert (with its tags in CTEs) as a statement of its own. Lambdas run with
-- postgres.js prepare: false (RDS Proxy multiplexing), so PostgreSQL planned that statement again for every page
-- (bench:sync: 9.4 ms a page, 6.5 ms prepared). PL/pgSQL caches the plans of a function's statements per session,
-- whatever the client does, so the same SQL in a function is planned once per connection. The function also writes
-- the carousel media and the sync's resume point: a page costs one round trip.
--
-- p_rows: the page's items, as functions/sync/write.ts builds them (platform_content_id, type, title, description, url,
-- thumbnail_url, duration_seconds, published_at, views, likes, comments, shares, platform_data, tags, media).
CREATE FUNCTION public.sync_write_page(p_social_account_id uuid, p_user_id uuid, p_platform_id uuid, p_rows jsonb,
                                       p_synced_at timestamptz, p_sync_cursor text)
RETURNS TABLE (inserted integer, updated integer)
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_inserted integer;
  v_written integer;
BEGIN
  WITH v AS (
    SELECT * FROM jsonb_to_recordset(p_rows) AS v(
      platform_content_id text, type text, title text, description text, url text, thumbnail_url text, duration_seconds integer,
      published_at timestamptz, views bigint, likes bigint, comments bigint, shares bigint, platform_data jsonb, tags text[], media jsonb)
  ), written AS (
    INSERT INTO public.content_item AS c (social_account_id, user_id, platform_id, content_type_id, platform_content_id, title, description,
      url, thumbnail_url, duration_seconds, published_at, visibility, views_count, likes_count, comments_count, shares_count,
      platform_data, last_synced_at)
    SELECT p_social_account_id, p_user_id, p_platform_id, t.id, v.platform_content_id, v.title, v.description,
           v.url, v.thumbnail_url, v.duration_seconds, v.published_at, coalesce(s.default_visibility, 'public'),
           coalesce(v.views, 0), coalesce(v.likes, 0), coalesce(v.comments, 0), coalesce(v.shares, 0), v.platform_data, p_synced_at
    FROM v JOIN public.content_type t ON t.slug = v.type LEFT JOIN public.user_setting s ON s.user_id = p_user_id
    ON CONFLICT (social_account_id, platform_content_id) DO UPDATE SET
      title = CASE WHEN 'title' = ANY(c.user_edited_fields) THEN c.title ELSE EXCLUDED.title END,
      description = CASE WHEN 'description' = ANY(c.user_edited_fields) THEN c.description ELSE EXCLUDED.description END,
      content_type_id = EXCLUDED.content_type_id, url = EXCLUDED.url, thumbnail_url = EXCLUDED.thumbnail_url,
      duration_seconds = EXCLUDED.duration_seconds, published_at = EXCLUDED.published_at,
      views_count = greatest(c.views_count, EXCLUDED.views_count), likes_count = greatest(c.likes_count, EXCLUDED.likes_count),
      comments_count = greatest(c.comments_count, EXCLUDED.comments_count), shares_count = greatest(c.shares_count, EXCLUDED.shares_count),
      platform_data = (c.platform_data - 'removed_at_source') || EXCLUDED.platform_data,
      deleted_at = CASE WHEN c.platform_data ? 'removed_at_source' THEN NULL ELSE c.deleted_at END,
      last_synced_at = EXCLUDED.last_synced_at
    RETURNING c.id, c.platform_content_id, (c.xmax = 0) AS is_new
  ), tags AS (
    SELECT DISTINCT w.id AS content_id, lower(left(tag, 60)) AS tag
    FROM written w JOIN v ON v.platform_content_id = w.platform_content_id, unnest(v.tags) AS tag WHERE tag <> ''
  ), lost_tags AS (
    -- A new item has no tags yet; the rows this statement adds are not visible to it (one snapshot), nor need they be.
    DELETE FROM public.content_tag ct USING written w
    WHERE ct.content_id = w.id AND NOT w.is_new AND ct.source = 'platform'
      AND NOT EXISTS (SELECT 1 FROM tags t WHERE t.content_id = ct.content_id AND t.tag = ct.tag)
  ), added_tags AS (
    INSERT INTO public.content_tag (content_id, tag, source, tag_type)
    SELECT content_id, tag, 'platform', 'hashtag' FROM tags
    ON CONFLICT (content_id, tag) DO NOTHING
  ), multi AS (
    SELECT w.id AS content_id, v.media FROM written w JOIN v ON v.platform_content_id = w.platform_content_id
    WHERE jsonb_array_length(coalesce(v.media, '[]')) > 0
  ), old_media AS (
    DELETE FROM public.content_media m USING multi WHERE m.content_id = multi.content_id
  ), new_media AS (
    INSERT INTO public.content_media (content_id, media_type, url, width, height, duration_seconds, sort_order)
    SELECT multi.content_id, m.media_type, m.url, m.width, m.height, m.duration_seconds, m.sort_order
    FROM multi, jsonb_to_recordset(multi.media)
      AS m(media_type text, url text, width integer, height integer, duration_seconds integer, sort_order integer)
    WHERE m.url IS NOT NULL
  )
  SELECT count(*) FILTER (WHERE is_new), count(*) INTO v_inserted, v_written FROM written;
  UPDATE public.social_account SET sync_cursor = p_sync_cursor WHERE id = p_social_account_id;
  RETURN QUERY SELECT v_inserted, v_written - v_inserted;
END $$;
REVOKE ALL ON FUNCTION public.sync_write_page(uuid, uuid, uuid, jsonb, timestamptz, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.sync_write_page(uuid, uuid, uuid, jsonb, timestamptz, text) TO service_role;
