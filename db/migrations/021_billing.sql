-- 021 billing: Stripe prices mapped onto tiers, what a subscription change does, and its history.
--
-- Schema `billing` (service side only, like `oauth`; public keeps exactly the seed's 38 tables):
--   billing.stripe_price          each configured Stripe price (monthly, yearly) → its tier. The billing Lambdas upsert
--                                 the stage's configuration here at cold start (configure_stripe_prices), before they
--                                 apply any event, so a fresh stage maps its prices before its first event.
--   billing.subscription_history  every change a subscription went through, with the event (or schedule) behind it.
--
-- public.subscription gains the tier Stripe bills (billed_tier_id: its price's tier), and what a change in Stripe does
-- not make true at once:
--   scheduled_tier_id/scheduled_change_at  a downgrade Stripe already bills takes effect when the paid period ends;
--   grace_until                            past_due keeps the tier while Stripe's dunning still retries the invoice
--                                          (its next_payment_attempt), then the user is on free-tier limits.
--
-- apply_stripe_subscription() applies the state Stripe holds for a subscription (the billing Lambda retrieves it, under
-- a per-customer lock, for every subscription and invoice event), so events arriving late, twice or out of order end in
-- Stripe's current state. One transaction: tier, status, period and quota cycle, the history row, the notifications.
--
-- A downgrade below the number of connected accounts keeps them all: the account-limit trigger (012) already refuses a
-- new connection past the limit, and request_sync (redefined here) refuses to sync an account beyond it (the oldest
-- accounts are within it); the user is told why, once per change.

CREATE SCHEMA IF NOT EXISTS billing;
REVOKE ALL ON SCHEMA billing FROM PUBLIC;
GRANT USAGE ON SCHEMA billing TO service_role, streamvibe_definer;

CREATE TABLE billing.stripe_price (
  price_id          text PRIMARY KEY CHECK (price_id ~ '^price_[A-Za-z0-9_]+$' AND char_length(price_id) <= 255),
  tier_id           uuid NOT NULL REFERENCES public.subscription_tier (id),
  billing_interval  text NOT NULL CHECK (billing_interval IN ('month', 'year')),
  -- false: a price no longer configured; subscriptions already on it keep their tier, checkout no longer offers it.
  is_active         boolean NOT NULL DEFAULT true,
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX stripe_price_offer_idx ON billing.stripe_price (tier_id, billing_interval) WHERE is_active;

CREATE TABLE billing.subscription_history (
  id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id                 uuid NOT NULL REFERENCES public.users (id) ON DELETE CASCADE,
  stripe_subscription_id  text,
  change                  text NOT NULL CHECK (change IN (
    'subscribed', 'upgraded', 'downgraded', 'downgrade_scheduled', 'downgrade_canceled', 'cancel_scheduled',
    'cancel_reverted', 'canceled', 'past_due', 'grace_expired', 'recovered', 'paused', 'resumed', 'ended', 'renewed',
    'status_changed')),
  -- The tier whose limits apply before and after (free when the status grants none), and what Stripe bills.
  old_tier                text NOT NULL,
  new_tier                text NOT NULL,
  billed_tier             text,
  old_status              text,
  new_status              text NOT NULL,
  scheduled_tier          text,
  scheduled_change_at     timestamptz,
  period_end              timestamptz,
  -- The Stripe event (evt_…) or the schedule (schedule:billing-transitions) that made the change.
  source                  text NOT NULL CHECK (char_length(source) <= 255),
  created_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscription_history_user_idx ON billing.subscription_history (user_id, created_at DESC);

ALTER TABLE public.subscription
  ADD COLUMN billed_tier_id uuid REFERENCES public.subscription_tier (id),
  ADD COLUMN scheduled_tier_id uuid REFERENCES public.subscription_tier (id),
  ADD COLUMN scheduled_change_at timestamptz,
  ADD COLUMN grace_until timestamptz,
  ADD CONSTRAINT subscription_scheduled_change_check CHECK ((scheduled_tier_id IS NULL) = (scheduled_change_at IS NULL));
CREATE INDEX subscription_scheduled_change_idx ON public.subscription (scheduled_change_at) WHERE scheduled_change_at IS NOT NULL;
CREATE INDEX subscription_grace_until_idx ON public.subscription (grace_until) WHERE grace_until IS NOT NULL;
CREATE INDEX subscription_scheduled_tier_idx ON public.subscription (scheduled_tier_id);
CREATE INDEX subscription_billed_tier_idx ON public.subscription (billed_tier_id);
-- GET /admin-subscriptions: by status, newest change first (keyset on updated_at, id).
CREATE INDEX subscription_status_updated_idx ON public.subscription (status_id, updated_at DESC, id DESC);

GRANT SELECT, INSERT, UPDATE, DELETE ON billing.stripe_price, billing.subscription_history TO service_role;
ALTER TABLE billing.stripe_price ENABLE ROW LEVEL SECURITY;          ALTER TABLE billing.stripe_price FORCE ROW LEVEL SECURITY;
ALTER TABLE billing.subscription_history ENABLE ROW LEVEL SECURITY;  ALTER TABLE billing.subscription_history FORCE ROW LEVEL SECURITY;
CREATE POLICY stripe_price_service ON billing.stripe_price TO service_role USING (true) WITH CHECK (true);
CREATE POLICY subscription_history_service ON billing.subscription_history TO service_role USING (true) WITH CHECK (true);

-- ---------------------------------------------------------------------------------------------
-- Price configuration
-- ---------------------------------------------------------------------------------------------

-- Makes the stage's configured prices ({"basic": {"month": "price_…", "year": "price_…"}, "premium": {…}}) the offered
-- ones: each mapped onto its tier (the monthly one also as subscription_tier.stripe_price_id), any other price kept
-- for the subscriptions on it but no longer offered. Idempotent; concurrent cold starts serialise on a lock.
CREATE FUNCTION billing.configure_stripe_prices(p_prices jsonb) RETURNS integer
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_configured jsonb;
BEGIN
  IF p_prices IS NULL OR jsonb_typeof(p_prices) <> 'object' THEN
    RAISE EXCEPTION 'prices must be a JSON object {tier: {month, year}}' USING ERRCODE = '22023';
  END IF;
  -- [{tier_id, slug, billing_interval, price_id}], one per configured price.
  SELECT coalesce(jsonb_agg(jsonb_build_object('tier_id', t.id, 'slug', tier_entry.key, 'billing_interval', i.key,
                                               'price_id', i.value #>> '{}')), '[]')
    INTO v_configured
    FROM jsonb_each(p_prices) tier_entry
    LEFT JOIN public.subscription_tier t ON t.slug = tier_entry.key AND t.slug <> 'free'
    CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(tier_entry.value) = 'object' THEN tier_entry.value ELSE '{}' END) i;
  IF EXISTS (SELECT 1 FROM jsonb_array_elements(v_configured) c
              WHERE c->>'tier_id' IS NULL OR c->>'billing_interval' NOT IN ('month', 'year')
                 OR coalesce(c->>'price_id', '') !~ '^price_[A-Za-z0-9_]+$') THEN
    RAISE EXCEPTION 'prices name an unknown or free tier, an interval other than month and year, or no price_… id' USING ERRCODE = '22023';
  END IF;
  -- Every cold start calls this: when the offered prices are already exactly these, nothing is locked or written.
  IF (SELECT coalesce(jsonb_agg(jsonb_build_array(p.price_id, p.tier_id, p.billing_interval) ORDER BY p.price_id), '[]')
        FROM billing.stripe_price p WHERE p.is_active)
     = (SELECT coalesce(jsonb_agg(jsonb_build_array(c->>'price_id', (c->>'tier_id')::uuid, c->>'billing_interval') ORDER BY c->>'price_id'), '[]')
          FROM jsonb_array_elements(v_configured) c)
     AND NOT EXISTS (SELECT 1 FROM public.subscription_tier t WHERE t.stripe_price_id IS DISTINCT FROM
                       (SELECT c->>'price_id' FROM jsonb_array_elements(v_configured) c
                         WHERE (c->>'tier_id')::uuid = t.id AND c->>'billing_interval' = 'month')) THEN
    RETURN jsonb_array_length(v_configured);
  END IF;
  -- Concurrent cold starts apply the same configuration one after the other.
  PERFORM pg_advisory_xact_lock(hashtextextended('streamvibe.billing.configure_stripe_prices', 0));
  -- Deactivate first: a price may move to another tier or interval.
  UPDATE billing.stripe_price p SET is_active = false, updated_at = now()
   WHERE p.is_active AND NOT EXISTS (
     SELECT 1 FROM jsonb_array_elements(v_configured) c
      WHERE c->>'price_id' = p.price_id AND (c->>'tier_id')::uuid = p.tier_id AND c->>'billing_interval' = p.billing_interval);
  INSERT INTO billing.stripe_price AS p (price_id, tier_id, billing_interval)
  SELECT c->>'price_id', (c->>'tier_id')::uuid, c->>'billing_interval' FROM jsonb_array_elements(v_configured) c
  ON CONFLICT (price_id) DO UPDATE SET tier_id = EXCLUDED.tier_id, billing_interval = EXCLUDED.billing_interval,
    is_active = true, updated_at = now()
  WHERE (p.tier_id, p.billing_interval, p.is_active) IS DISTINCT FROM (EXCLUDED.tier_id, EXCLUDED.billing_interval, true);
  -- The seed's column names each tier's monthly price.
  UPDATE public.subscription_tier t SET stripe_price_id = m.price_id
    FROM (SELECT t2.id, (SELECT c->>'price_id' FROM jsonb_array_elements(v_configured) c
                          WHERE (c->>'tier_id')::uuid = t2.id AND c->>'billing_interval' = 'month') AS price_id
            FROM public.subscription_tier t2) m
   WHERE m.id = t.id AND t.stripe_price_id IS DISTINCT FROM m.price_id;
  RETURN jsonb_array_length(v_configured);
END $$;

-- ---------------------------------------------------------------------------------------------
-- Applying a subscription's state
-- ---------------------------------------------------------------------------------------------

-- After a change: the history row, and, when the limits went down below the user's connected accounts, a notification
-- saying what that means (once per change). Returns the history row's id.
CREATE FUNCTION billing.record_subscription_change(
  p_user_id uuid, p_stripe_subscription_id text, p_change text, p_old_tier uuid, p_new_tier uuid, p_billed_tier uuid,
  p_old_status text, p_new_status text, p_scheduled_tier uuid, p_scheduled_change_at timestamptz, p_period_end timestamptz,
  p_source text
) RETURNS bigint
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  v_id bigint;
  v_old public.subscription_tier;
  v_new public.subscription_tier;
  v_accounts integer;
BEGIN
  SELECT * INTO v_old FROM public.subscription_tier WHERE id = p_old_tier;
  SELECT * INTO v_new FROM public.subscription_tier WHERE id = p_new_tier;
  INSERT INTO billing.subscription_history (user_id, stripe_subscription_id, change, old_tier, new_tier, billed_tier, old_status,
    new_status, scheduled_tier, scheduled_change_at, period_end, source)
  VALUES (p_user_id, p_stripe_subscription_id, p_change, v_old.slug, v_new.slug,
    (SELECT slug FROM public.subscription_tier WHERE id = p_billed_tier), p_old_status, p_new_status,
    (SELECT slug FROM public.subscription_tier WHERE id = p_scheduled_tier), p_scheduled_change_at, p_period_end, left(p_source, 255))
  RETURNING id INTO v_id;
  IF v_new.max_social_accounts < v_old.max_social_accounts THEN
    SELECT count(*) INTO v_accounts FROM public.social_account a WHERE a.user_id = p_user_id AND a.deleted_at IS NULL;
    IF v_accounts > v_new.max_social_accounts THEN
      PERFORM public.notify_user(p_user_id, 'billing', format('Your %s plan allows %s connected accounts', v_new.display_name, v_new.max_social_accounts),
        format('You have %s connected accounts and the %s plan allows %s. All of them stay connected, but you cannot connect '
               'another, and only your %s oldest accounts sync. Upgrade, or disconnect %s, to sync the others.',
               v_accounts, v_new.display_name, v_new.max_social_accounts, v_new.max_social_accounts, v_accounts - v_new.max_social_accounts),
        format('billing:over_limit:%s', v_id),
        jsonb_build_object('tier', v_new.slug, 'max_social_accounts', v_new.max_social_accounts, 'connected_accounts', v_accounts));
    END IF;
  END IF;
  RETURN v_id;
END $$;

-- Applies what Stripe holds for one of the user's subscriptions (retrieved by the caller just now, under a per-customer
-- lock): an upgrade at once; a downgrade when the paid period ends (scheduled); cancellation at period end stays
-- entitled until Stripe ends the subscription; past_due keeps the tier until p_grace_until (Stripe's next retry), then
-- free-tier limits. A new billing period archives the ended quota cycle and starts a new one. An ended subscription
-- other than the user's current one changes nothing (an old subscription's late event). Returns the change (null:
-- nothing changed) and the tiers after it.
CREATE FUNCTION billing.apply_stripe_subscription(
  p_user_id uuid, p_stripe_subscription_id text, p_stripe_customer_id text, p_price_id text, p_status text,
  p_period_start timestamptz, p_period_end timestamptz, p_cancel_at_period_end boolean, p_canceled_at timestamptz,
  p_grace_until timestamptz, p_source text
) RETURNS TABLE (change text, tier text, billed_tier text, status text, scheduled_tier text, scheduled_change_at timestamptz)
LANGUAGE plpgsql SET search_path = '' AS $$
#variable_conflict use_column
DECLARE
  v_billed public.subscription_tier;
  v_free public.subscription_tier;
  v_status public.subscription_status;
  v_old public.subscription;
  v_old_status public.subscription_status;
  v_old_effective public.subscription_tier;
  v_new_effective public.subscription_tier;
  v_tier_id uuid;
  v_scheduled uuid;
  v_scheduled_at timestamptz;
  v_grace timestamptz;
  v_same_subscription boolean;
  v_new_period boolean;
  v_change text;
BEGIN
  SELECT t.* INTO v_billed FROM billing.stripe_price p JOIN public.subscription_tier t ON t.id = p.tier_id WHERE p.price_id = p_price_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no tier has Stripe price %', coalesce(p_price_id, '(none)') USING ERRCODE = 'P0002';
  END IF;
  SELECT * INTO v_status FROM public.subscription_status WHERE slug = p_status;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unknown subscription status %', coalesce(p_status, 'null') USING ERRCODE = '22023';
  END IF;
  IF p_period_start IS NULL OR p_period_end IS NULL OR p_period_end <= p_period_start THEN
    RAISE EXCEPTION 'the subscription carries no billing period' USING ERRCODE = '22023';
  END IF;
  SELECT * INTO v_free FROM public.subscription_tier WHERE slug = 'free';

  INSERT INTO public.subscription (user_id, tier_id, status_id)
  VALUES (p_user_id, v_free.id, (SELECT id FROM public.subscription_status WHERE slug = 'active'))
  ON CONFLICT (user_id) DO NOTHING;
  SELECT * INTO v_old FROM public.subscription s WHERE s.user_id = p_user_id FOR UPDATE;
  SELECT * INTO v_old_status FROM public.subscription_status WHERE id = v_old.status_id;
  v_same_subscription := v_old.stripe_subscription_id IS NOT DISTINCT FROM p_stripe_subscription_id;
  IF NOT v_same_subscription AND v_old.stripe_subscription_id IS NOT NULL AND v_old_status.is_entitled AND NOT v_status.is_entitled THEN
    RETURN;  -- an old or abandoned subscription ended; the current one stands
  END IF;
  SELECT * INTO v_old_effective FROM public.subscription_tier
   WHERE id = CASE WHEN v_old_status.is_entitled THEN v_old.tier_id ELSE v_free.id END;
  v_new_period := NOT v_same_subscription OR p_period_start > v_old.cycle_start_date;

  v_tier_id := v_billed.id;
  IF v_status.is_entitled AND v_billed.sort_order < v_old_effective.sort_order THEN
    -- A downgrade: the tier paid for stays until its period ends (a schedule already set keeps its date).
    v_scheduled_at := CASE WHEN v_old.scheduled_tier_id IS NOT NULL THEN v_old.scheduled_change_at ELSE v_old.cycle_end_date END;
    IF NOT v_new_period AND v_scheduled_at > now() THEN
      v_tier_id := v_old_effective.id;
      v_scheduled := v_billed.id;
    ELSE
      v_scheduled_at := NULL;
    END IF;
  END IF;
  IF p_status = 'past_due' THEN
    v_grace := coalesce(p_grace_until, now());
    IF v_grace <= now() THEN
      v_tier_id := v_free.id;
    END IF;
  END IF;
  SELECT * INTO v_new_effective FROM public.subscription_tier WHERE id = CASE WHEN v_status.is_entitled THEN v_tier_id ELSE v_free.id END;

  v_change := CASE
    WHEN p_status = 'canceled' AND v_old_effective.slug <> 'free' THEN 'canceled'
    WHEN p_status = 'paused' AND v_old_status.slug <> 'paused' THEN 'paused'
    WHEN NOT v_status.is_entitled AND v_old_effective.slug <> 'free' THEN 'ended'
    WHEN p_status = 'past_due' AND v_tier_id = v_free.id AND v_old.tier_id <> v_free.id THEN 'grace_expired'
    WHEN p_status = 'past_due' AND v_old_status.slug <> 'past_due' THEN 'past_due'
    WHEN v_old_status.slug = 'paused' AND v_status.is_entitled THEN 'resumed'
    WHEN v_old_effective.slug = 'free' AND v_new_effective.slug <> 'free' AND NOT v_same_subscription THEN 'subscribed'
    WHEN v_new_effective.sort_order > v_old_effective.sort_order AND v_old_status.slug = 'past_due' THEN 'recovered'
    WHEN v_new_effective.sort_order > v_old_effective.sort_order THEN 'upgraded'
    WHEN v_new_effective.sort_order < v_old_effective.sort_order THEN 'downgraded'
    WHEN v_scheduled IS NOT NULL AND v_old.scheduled_tier_id IS DISTINCT FROM v_scheduled THEN 'downgrade_scheduled'
    WHEN v_scheduled IS NULL AND v_old.scheduled_tier_id IS NOT NULL THEN 'downgrade_canceled'
    WHEN p_cancel_at_period_end AND NOT v_old.cancel_at_period_end THEN 'cancel_scheduled'
    WHEN NOT p_cancel_at_period_end AND v_old.cancel_at_period_end AND v_status.is_entitled THEN 'cancel_reverted'
    WHEN v_old_status.slug = 'past_due' AND p_status <> 'past_due' THEN 'recovered'
    WHEN v_new_period THEN 'renewed'
    WHEN v_old_status.slug <> p_status THEN 'status_changed'
  END;

  -- A new billing period is a new quota cycle: archive the ended one (once), then the counters start at zero.
  IF v_new_period AND v_old.cycle_start_date < p_period_start THEN
    INSERT INTO public.quota_usage_history (user_id, subscription_id, tier_id, cycle_start_date, cycle_end_date, syncs_used,
      ai_analyses_used, seo_submissions_used, max_syncs, max_ai_analyses, max_seo_submissions)
    SELECT v_old.user_id, v_old.id, v_old_effective.id, v_old.cycle_start_date, v_old.cycle_end_date, v_old.syncs_used,
           v_old.ai_analyses_used, v_old.seo_submissions_used, v_old_effective.max_syncs_per_month,
           v_old_effective.max_ai_analyses_per_month, v_old_effective.max_seo_submissions_per_month
    ON CONFLICT (subscription_id, cycle_start_date) DO NOTHING;
  END IF;
  UPDATE public.subscription s SET
    tier_id = v_tier_id, billed_tier_id = v_billed.id, status_id = v_status.id, stripe_subscription_id = p_stripe_subscription_id,
    stripe_customer_id = p_stripe_customer_id, cycle_start_date = p_period_start, cycle_end_date = p_period_end,
    cancel_at_period_end = coalesce(p_cancel_at_period_end, false), canceled_at = p_canceled_at,
    scheduled_tier_id = v_scheduled, scheduled_change_at = v_scheduled_at, grace_until = v_grace,
    syncs_used = CASE WHEN v_new_period AND p_period_start > v_old.cycle_start_date THEN 0 ELSE s.syncs_used END,
    ai_analyses_used = CASE WHEN v_new_period AND p_period_start > v_old.cycle_start_date THEN 0 ELSE s.ai_analyses_used END,
    seo_submissions_used = CASE WHEN v_new_period AND p_period_start > v_old.cycle_start_date THEN 0 ELSE s.seo_submissions_used END
  WHERE s.id = v_old.id;

  IF v_change IS NOT NULL THEN
    PERFORM billing.record_subscription_change(p_user_id, p_stripe_subscription_id, v_change, v_old_effective.id, v_new_effective.id,
      v_billed.id, v_old_status.slug, p_status, v_scheduled, v_scheduled_at, p_period_end, p_source);
    IF v_change = 'cancel_scheduled' THEN
      PERFORM public.notify_user(p_user_id, 'billing', 'Your subscription will end',
        format('Your %s plan stays active until %s, then your account moves to the Free plan. You can resume it until then.',
               v_new_effective.display_name, to_char(p_period_end AT TIME ZONE 'UTC', 'YYYY-MM-DD')),
        format('stripe:cancel_scheduled:%s:%s', p_stripe_subscription_id, extract(epoch FROM p_period_end)::bigint),
        jsonb_build_object('tier', v_new_effective.slug, 'ends_at', p_period_end));
    ELSIF v_change IN ('canceled', 'ended') THEN
      PERFORM public.notify_user(p_user_id, 'billing', 'Your subscription has ended',
        format('Your %s plan has ended; your account is on the Free plan now.', v_old_effective.display_name),
        format('stripe:ended:%s', p_stripe_subscription_id), jsonb_build_object('tier', v_old_effective.slug, 'status', p_status));
    ELSIF v_change = 'grace_expired' THEN
      PERFORM public.notify_user(p_user_id, 'billing', 'Your plan is paused until payment succeeds',
        format('We could not collect the payment for your %s plan, so your account has the Free plan''s limits until it is paid. '
               'Update your payment method in the billing portal.', v_billed.display_name),
        format('stripe:grace_expired:%s:%s', p_stripe_subscription_id, extract(epoch FROM p_period_start)::bigint),
        jsonb_build_object('tier', v_billed.slug));
    END IF;
  END IF;
  RETURN QUERY SELECT v_change, v_new_effective.slug, v_billed.slug, p_status,
    (SELECT slug FROM public.subscription_tier WHERE id = v_scheduled), v_scheduled_at;
END $$;

-- Schedule: changes whose time came without an event (Stripe's renewal event applies them too, whichever is first):
-- scheduled downgrades at the end of the paid period, and past_due subscriptions whose grace ended drop to free-tier
-- limits. Returns how many subscriptions changed.
CREATE FUNCTION billing.apply_due_subscription_changes(p_limit integer DEFAULT 500) RETURNS integer
LANGUAGE plpgsql SET search_path = '' AS $$
DECLARE
  r record;
  v_count integer := 0;
  v_free uuid := (SELECT id FROM public.subscription_tier WHERE slug = 'free');
  v_new_tier uuid;
  v_change text;
BEGIN
  FOR r IN
    SELECT s.*, st.slug AS status_slug FROM public.subscription s JOIN public.subscription_status st ON st.id = s.status_id
     WHERE (s.scheduled_change_at <= now()) OR (st.slug = 'past_due' AND s.grace_until <= now() AND s.tier_id <> v_free)
     ORDER BY s.id LIMIT p_limit
     FOR UPDATE OF s SKIP LOCKED
  LOOP
    IF r.status_slug = 'past_due' AND r.grace_until <= now() THEN
      v_new_tier := v_free;
      v_change := 'grace_expired';
    ELSE
      v_new_tier := r.scheduled_tier_id;
      v_change := 'downgraded';
    END IF;
    UPDATE public.subscription SET tier_id = v_new_tier, scheduled_tier_id = NULL, scheduled_change_at = NULL WHERE id = r.id;
    PERFORM billing.record_subscription_change(r.user_id, r.stripe_subscription_id, v_change, r.tier_id, v_new_tier,
      coalesce(r.billed_tier_id, r.tier_id), r.status_slug, r.status_slug, NULL, NULL, r.cycle_end_date, 'schedule:billing-transitions');
    IF v_change = 'grace_expired' THEN
      PERFORM public.notify_user(r.user_id, 'billing', 'Your plan is paused until payment succeeds',
        'We could not collect your payment, so your account has the Free plan''s limits until it is paid. '
        'Update your payment method in the billing portal.',
        format('stripe:grace_expired:%s:%s', r.stripe_subscription_id, extract(epoch FROM r.cycle_start_date)::bigint), '{}');
    END IF;
    v_count := v_count + 1;
  END LOOP;
  RETURN v_count;
END $$;

-- ---------------------------------------------------------------------------------------------
-- Syncs beyond the account limit
-- ---------------------------------------------------------------------------------------------

-- Is the account among the user's first max_social_accounts live accounts (oldest first)? Accounts past the limit of a
-- downgraded plan stay connected but do not sync.
CREATE FUNCTION billing.account_within_limit(p_user_id uuid, p_social_account_id uuid) RETURNS boolean
LANGUAGE sql STABLE SET search_path = '' AS $$
  SELECT coalesce((
    SELECT ranked.n <= (SELECT q.max_social_accounts FROM public.effective_quota(p_user_id) q)
      FROM (SELECT a.id, row_number() OVER (ORDER BY a.created_at, a.id) AS n
              FROM public.social_account a WHERE a.user_id = p_user_id AND a.deleted_at IS NULL) ranked
     WHERE ranked.id = p_social_account_id), true)
$$;

-- 013's request_sync, refusing an account beyond the plan's account limit: a user's request is an error naming the
-- limit (SQLSTATE 55000, a 409); the auto-sync schedule's request gets no job (it counts as nothing enqueued).
CREATE OR REPLACE FUNCTION public.request_sync(p_user_id uuid, p_social_account_id uuid, p_kind text, p_params jsonb)
RETURNS TABLE (job_id uuid, created boolean, status public.job_status_enum, quota_exhausted boolean,
               quota_limit integer, quota_used integer, quota_resets_at timestamptz, tier text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
#variable_conflict use_column
DECLARE
  v_job record;
  v_quota record;
BEGIN
  IF p_kind NOT IN ('sync_youtube', 'sync_instagram', 'sync_tiktok', 'sync_facebook', 'sync_twitter', 'auto_sync') THEN
    RAISE EXCEPTION 'not a sync job kind: %', p_kind USING ERRCODE = '22023';
  END IF;
  -- One request per account at a time: the check below and the insert cannot interleave.
  PERFORM pg_advisory_xact_lock(6013, hashtext(p_social_account_id::text));
  SELECT q.id, q.status INTO v_job
    FROM public.job_queue q JOIN public.job_type t ON t.id = q.job_type_id
   WHERE t.slug = 'platform_sync' AND q.user_id = p_user_id AND q.job_type <> 'follower_sync'
     AND q.params->>'social_account_id' = p_social_account_id::text
     AND (q.status IN ('pending', 'processing') OR q.next_retry_at IS NOT NULL)
   LIMIT 1;
  IF FOUND THEN
    RETURN QUERY SELECT v_job.id, false, v_job.status, false, NULL::integer, NULL::integer, NULL::timestamptz, NULL::text;
    RETURN;
  END IF;
  IF NOT billing.account_within_limit(p_user_id, p_social_account_id) THEN
    IF p_kind = 'auto_sync' THEN
      RETURN QUERY SELECT NULL::uuid, false, NULL::public.job_status_enum, false, NULL::integer, NULL::integer, NULL::timestamptz, NULL::text;
      RETURN;
    END IF;
    SELECT q.max_social_accounts, q.tier_slug INTO v_quota FROM public.effective_quota(p_user_id) q;
    RAISE EXCEPTION 'Your % plan syncs % connected accounts and this one is beyond them; upgrade, or disconnect another account, to sync it',
      v_quota.tier_slug, v_quota.max_social_accounts USING ERRCODE = '55000';
  END IF;
  IF NOT public.increment_quota(p_user_id, 'sync', 1) THEN
    SELECT q.max_syncs, q.syncs_used, q.cycle_end_date, q.tier_slug INTO v_quota FROM public.effective_quota(p_user_id) q;
    RETURN QUERY SELECT NULL::uuid, false, NULL::public.job_status_enum, true, v_quota.max_syncs, v_quota.syncs_used,
                        v_quota.cycle_end_date, v_quota.tier_slug;
    RETURN;
  END IF;
  RETURN QUERY
    SELECT f.job_id, f.created, f.status, false, NULL::integer, NULL::integer, NULL::timestamptz, NULL::text
      FROM public.find_or_create_job(p_user_id, p_kind,
             coalesce(p_params, '{}') || jsonb_build_object('social_account_id', p_social_account_id, 'quota_type', 'sync'),
             NULL, interval '0') f;
END $$;

-- ---------------------------------------------------------------------------------------------
-- Function privileges
-- ---------------------------------------------------------------------------------------------
REVOKE ALL ON FUNCTION
  billing.configure_stripe_prices(jsonb),
  billing.record_subscription_change(uuid, text, text, uuid, uuid, uuid, text, text, uuid, timestamptz, timestamptz, text),
  billing.apply_stripe_subscription(uuid, text, text, text, text, timestamptz, timestamptz, boolean, timestamptz, timestamptz, text),
  billing.apply_due_subscription_changes(integer),
  billing.account_within_limit(uuid, uuid)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
  billing.configure_stripe_prices(jsonb),
  billing.record_subscription_change(uuid, text, text, uuid, uuid, uuid, text, text, uuid, timestamptz, timestamptz, text),
  billing.apply_stripe_subscription(uuid, text, text, text, text, timestamptz, timestamptz, boolean, timestamptz, timestamptz, text),
  billing.apply_due_subscription_changes(integer),
  billing.account_within_limit(uuid, uuid)
TO service_role;
