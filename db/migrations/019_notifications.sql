-- 019 notifications, each once: a dedupe key per event, and one function every feature notifies through.
--
-- Features tell users about what needs them (a job failed for good, a connection needs reconnecting, a quota at 80%
-- and 100%, a payment failed, an item hidden by moderation). A retried job, a redelivered webhook or two workers
-- racing must not tell the user twice: the key names the event (`quota:ai_generation:80:2026-12`,
-- `stripe:invoice.payment_failed:in_123`), and a unique index makes the second insert a no-op in the database.

ALTER TABLE public.notification ADD COLUMN dedupe_key text CHECK (char_length(dedupe_key) <= 200);
CREATE UNIQUE INDEX notification_user_dedupe_key_idx ON public.notification (user_id, dedupe_key) WHERE dedupe_key IS NOT NULL;

-- Inserts the notification unless the user already has one with this key; true when it was inserted.
-- SECURITY INVOKER: only service_role may call it, and it holds INSERT on notification already.
CREATE FUNCTION public.notify_user(
  p_user_id uuid, p_type public.notification_type_enum, p_title text, p_message text, p_dedupe_key text,
  p_data jsonb DEFAULT '{}', p_action_url text DEFAULT NULL
) RETURNS boolean
LANGUAGE sql VOLATILE SET search_path = '' AS $$
  WITH inserted AS (
    INSERT INTO public.notification (user_id, type, title, message, data, action_url, dedupe_key)
    VALUES (p_user_id, p_type, left(p_title, 200), left(p_message, 2000), coalesce(p_data, '{}'), p_action_url, p_dedupe_key)
    ON CONFLICT (user_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
    RETURNING 1)
  SELECT EXISTS (SELECT 1 FROM inserted)
$$;
REVOKE ALL ON FUNCTION public.notify_user(uuid, public.notification_type_enum, text, text, text, jsonb, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.notify_user(uuid, public.notification_type_enum, text, text, text, jsonb, text) TO service_role;
