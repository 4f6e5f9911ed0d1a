-- 018 site pages: telling a page that is gone (410) from one that never was public (404).
--
-- The site renders creator and content pages as anon, through the RLS policies, which hide private and deleted rows
-- alike: anon cannot tell a deleted page from a private or unknown one. A crawler should drop a deleted page from its
-- index (410 Gone) but learn nothing about private ones (404). These functions answer only that one bit, and only for
-- pages that were public: a creator who was public when deleted; an item that was public, of a public creator, and
-- then was deleted (or whose creator was). A private creator's or a private item's deletion stays a 404, and no column
-- of a deleted row is ever returned.

CREATE FUNCTION public.creator_page_gone(p_slug text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT EXISTS (
    SELECT 1 FROM public.users u
    WHERE u.profile_slug = p_slug AND u.is_public AND u.deleted_at IS NOT NULL)
$$;
ALTER FUNCTION public.creator_page_gone(text) OWNER TO streamvibe_definer;

CREATE FUNCTION public.content_page_gone(p_id uuid) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = '' AS $$
  SELECT EXISTS (
    SELECT 1 FROM public.content_item c JOIN public.users u ON u.id = c.user_id
    WHERE c.id = p_id AND c.visibility = 'public' AND u.is_public
      AND (c.deleted_at IS NOT NULL OR u.deleted_at IS NOT NULL))
$$;
ALTER FUNCTION public.content_page_gone(uuid) OWNER TO streamvibe_definer;

GRANT EXECUTE ON FUNCTION public.creator_page_gone(text), public.content_page_gone(uuid) TO anon, authenticated, service_role;
