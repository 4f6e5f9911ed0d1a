import type { TransactionSql } from 'postgres';
import { logger } from '../_shared/logger.ts';
import type { StripeEvent } from './signature.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SUBSCRIPTION_EVENTS = new Set(['customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted']);

/** Retrying may help (e.g. the subscription event arrived before the checkout that links its customer). */
export class StripeEventNotReadyError extends Error {
  override name = 'StripeEventNotReadyError';
}

/** Applies one verified Stripe event to the database (as service_role, in the caller's transaction). */
export async function applyStripeEvent(tx: TransactionSql, event: StripeEvent): Promise<'applied' | 'ignored'> {
  if (event.type === 'checkout.session.completed') return linkCustomer(tx, event.data.object);
  if (SUBSCRIPTION_EVENTS.has(event.type)) return applySubscription(tx, event);
  return 'ignored';  // invoice.* and others: the subscription events carry the state we keep
}

/** Checkout tells which user (client_reference_id) a Stripe customer is. */
async function linkCustomer(tx: TransactionSql, session: Record<string, unknown>): Promise<'applied' | 'ignored'> {
  const userId = session.client_reference_id;
  const customer = session.customer;
  if (session.mode !== 'subscription' || typeof userId !== 'string' || !UUID.test(userId) || typeof customer !== 'string') return 'ignored';
  const linked = await tx`
    UPDATE users SET stripe_customer_id = ${customer}
    WHERE id = ${userId} AND (stripe_customer_id IS NULL OR stripe_customer_id = ${customer}) RETURNING id`;
  if (linked.length === 0) logger.warn('checkout for an unknown user or one linked to another customer', { userId, customer });
  return linked.length ? 'applied' : 'ignored';
}

interface SubscriptionItem { price?: { id?: string }; current_period_start?: number; current_period_end?: number }

/** The subscription's tier (by price), status and billing period become the user's subscription row. */
async function applySubscription(tx: TransactionSql, event: StripeEvent): Promise<'applied'> {
  const sub = event.data.object as Record<string, unknown> & { items?: { data?: SubscriptionItem[] }; metadata?: Record<string, string> };
  const item = sub.items?.data?.[0];
  // API versions from 2025-03-31 (basil) moved the period from the subscription to its items.
  const periodStart = item?.current_period_start ?? (sub.current_period_start as number | undefined);
  const periodEnd = item?.current_period_end ?? (sub.current_period_end as number | undefined);
  const status = event.type === 'customer.subscription.deleted' ? 'canceled' : String(sub.status);
  const [target] = await tx`
    SELECT (SELECT id FROM users WHERE stripe_customer_id = ${String(sub.customer)}
             OR (id::text = ${sub.metadata?.user_id ?? ''} AND stripe_customer_id IS NULL) LIMIT 1) AS user_id,
           (SELECT id FROM subscription_tier WHERE stripe_price_id = ${item?.price?.id ?? ''}) AS tier_id,
           (SELECT id FROM subscription_status WHERE slug = ${status}) AS status_id`;
  if (!target!.user_id) throw new StripeEventNotReadyError(`no user is linked to Stripe customer ${String(sub.customer)} yet`);
  if (!target!.tier_id) throw new StripeEventNotReadyError(`no tier has Stripe price ${item?.price?.id ?? '(none)'}`);
  if (!target!.status_id) throw new Error(`unknown subscription status ${status}`);
  if (!periodStart || !periodEnd) throw new Error('the subscription carries no billing period');
  const start = new Date(periodStart * 1000);
  const end = new Date(periodEnd * 1000);
  // A new billing period starts a new quota cycle: archive the ended one, then zero the counters.
  await tx`
    INSERT INTO quota_usage_history (user_id, subscription_id, tier_id, cycle_start_date, cycle_end_date, syncs_used,
      ai_analyses_used, seo_submissions_used, max_syncs, max_ai_analyses, max_seo_submissions)
    SELECT s.user_id, s.id, s.tier_id, s.cycle_start_date, s.cycle_end_date, s.syncs_used, s.ai_analyses_used,
           s.seo_submissions_used, t.max_syncs_per_month, t.max_ai_analyses_per_month, t.max_seo_submissions_per_month
    FROM subscription s JOIN subscription_tier t ON t.id = s.tier_id
    WHERE s.user_id = ${target!.user_id} AND s.cycle_start_date < ${start}
    ON CONFLICT (subscription_id, cycle_start_date) DO NOTHING`;
  await tx`
    INSERT INTO subscription AS s (user_id, tier_id, status_id, stripe_subscription_id, stripe_customer_id, cycle_start_date,
                                   cycle_end_date, cancel_at_period_end, canceled_at)
    VALUES (${target!.user_id}, ${target!.tier_id}, ${target!.status_id}, ${String(sub.id)}, ${String(sub.customer)}, ${start}, ${end},
            ${sub.cancel_at_period_end === true}, ${typeof sub.canceled_at === 'number' ? new Date(sub.canceled_at * 1000) : null})
    ON CONFLICT (user_id) DO UPDATE SET
      tier_id = EXCLUDED.tier_id, status_id = EXCLUDED.status_id, stripe_subscription_id = EXCLUDED.stripe_subscription_id,
      stripe_customer_id = EXCLUDED.stripe_customer_id, cycle_start_date = EXCLUDED.cycle_start_date,
      cycle_end_date = EXCLUDED.cycle_end_date, cancel_at_period_end = EXCLUDED.cancel_at_period_end, canceled_at = EXCLUDED.canceled_at,
      syncs_used = CASE WHEN EXCLUDED.cycle_start_date > s.cycle_start_date THEN 0 ELSE s.syncs_used END,
      ai_analyses_used = CASE WHEN EXCLUDED.cycle_start_date > s.cycle_start_date THEN 0 ELSE s.ai_analyses_used END,
      seo_submissions_used = CASE WHEN EXCLUDED.cycle_start_date > s.cycle_start_date THEN 0 ELSE s.seo_submissions_used END`;
  return 'applied';
}
