import type Stripe from 'stripe';
import type { TransactionSql } from 'postgres';
import { logger } from '../_shared/logger.ts';
import type { StripeEvent } from './signature.ts';
import { isMissing, stripe } from './stripe.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** After Stripe's next retry of a failed invoice, the time its outcome has to arrive before the grace ends. */
const GRACE_LEEWAY_SECONDS = 24 * 3600;
const SUBSCRIPTION_EVENTS = new Set([
  'customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted',
  'customer.subscription.paused', 'customer.subscription.resumed', 'customer.subscription.trial_will_end',
]);

/** Retrying may help (e.g. the subscription event arrived before the checkout that links its customer). */
export class StripeEventNotReadyError extends Error {
  override name = 'StripeEventNotReadyError';
}

type StripeObject = Record<string, unknown>;
const idOf = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : typeof (value as { id?: unknown } | null)?.id === 'string' ? (value as { id: string }).id : undefined;

/**
 * Applies one verified Stripe event (as service_role, in the caller's transaction). Subscription and invoice events
 * apply the state Stripe holds now, retrieved under a per-customer lock, never the event's copy: late, repeated and
 * out-of-order deliveries all end in Stripe's current state.
 */
export async function applyStripeEvent(tx: TransactionSql, event: StripeEvent): Promise<'applied' | 'ignored'> {
  const object = event.data.object;
  if (event.type === 'checkout.session.completed') return checkoutCompleted(tx, event, object);
  if (SUBSCRIPTION_EVENTS.has(event.type)) {
    const outcome = await syncSubscription(tx, String(object.id), idOf(object.customer), event.id);
    if (event.type === 'customer.subscription.trial_will_end') await notifyTrialEnding(tx, object);
    return outcome;
  }
  if (event.type === 'invoice.paid' || event.type === 'invoice.payment_failed') return invoiceEvent(tx, event, object);
  return 'ignored';
}

/** Checkout tells which user (client_reference_id) a Stripe customer is; then its subscription applies. */
async function checkoutCompleted(tx: TransactionSql, event: StripeEvent, session: StripeObject): Promise<'applied' | 'ignored'> {
  const userId = session.client_reference_id;
  const customer = idOf(session.customer);
  if (session.mode !== 'subscription' || typeof userId !== 'string' || !UUID.test(userId) || !customer) return 'ignored';
  const linked = await tx`
    UPDATE users SET stripe_customer_id = ${customer}
    WHERE id = ${userId} AND (stripe_customer_id IS NULL OR stripe_customer_id = ${customer}) RETURNING id`;
  if (linked.length === 0) {
    logger.warn('checkout for an unknown user or one linked to another customer', { userId, customer });
    return 'ignored';
  }
  const subscription = idOf(session.subscription);
  return subscription ? syncSubscription(tx, subscription, customer, event.id) : 'applied';
}

/** Invoices: the subscription they bill is re-read (paid: back to active; failed: past_due and its grace), and the user told of a failure. */
async function invoiceEvent(tx: TransactionSql, event: StripeEvent, invoice: StripeObject): Promise<'applied' | 'ignored'> {
  const customer = idOf(invoice.customer);
  if (customer) await tx`SELECT invalidate_cache(${invoiceCacheKey(customer)})`;
  // Since 2025-03-31.basil the subscription is under parent.subscription_details; before, on the invoice.
  const parent = invoice.parent as { subscription_details?: { subscription?: unknown } } | null | undefined;
  const subscription = idOf(parent?.subscription_details?.subscription) ?? idOf(invoice.subscription);
  const outcome = subscription ? await syncSubscription(tx, subscription, customer, event.id) : 'ignored';
  if (event.type === 'invoice.payment_failed' && customer) await notifyPaymentFailed(tx, customer, invoice);
  return outcome;
}

/**
 * Retrieves the subscription from Stripe and applies it (billing.apply_stripe_subscription, migration 021). The lock
 * comes first: of two deliveries for one customer, the second reads Stripe after the first committed, so the state
 * applied last is the newer one.
 */
async function syncSubscription(tx: TransactionSql, subscriptionId: string, customerHint: string | undefined, source: string):
  Promise<'applied' | 'ignored'> {
  await tx`SELECT pg_advisory_xact_lock(hashtextextended(${`streamvibe.billing:${customerHint ?? subscriptionId}`}, 0))`;
  let sub: Stripe.Subscription;
  try {
    sub = await (await stripe()).subscriptions.retrieve(subscriptionId, { expand: ['latest_invoice'] });
  } catch (error) {
    if (!isMissing(error)) throw error;
    logger.warn('stripe event for a subscription Stripe does not know; ignored', { subscriptionId, source });
    return 'ignored';
  }
  const customer = idOf(sub.customer)!;
  const [target] = await tx`
    SELECT id, 0 AS rank FROM users WHERE stripe_customer_id = ${customer}
    UNION ALL
    SELECT id, 1 FROM users WHERE id::text = ${sub.metadata?.user_id ?? ''} AND stripe_customer_id IS NULL
    ORDER BY rank LIMIT 1`;
  if (!target) throw new StripeEventNotReadyError(`no user is linked to Stripe customer ${customer} yet`);
  // Our checkout names the user in the subscription's metadata: its customer is theirs (as checkout.session.completed says).
  if (target.rank === 1) await tx`UPDATE users SET stripe_customer_id = ${customer} WHERE id = ${target.id} AND stripe_customer_id IS NULL`;
  const item = sub.items.data[0];
  const [applied] = await tx`
    SELECT * FROM billing.apply_stripe_subscription(${target.id}, ${sub.id}, ${customer}, ${item?.price.id ?? null}, ${sub.status},
      ${seconds(item?.current_period_start)}, ${seconds(item?.current_period_end)}, ${sub.cancel_at_period_end},
      ${seconds(sub.canceled_at)}, ${sub.status === 'past_due' ? graceUntil(sub.latest_invoice) : null}, ${source})`;
  await tx`SELECT invalidate_cache(${invoiceCacheKey(customer)})`;
  if (applied?.change) logger.info('subscription changed', { userId: target.id, subscription: sub.id, ...applied });
  return 'applied';
}

/**
 * Past due: the tier stays while Stripe's dunning retries (until its next attempt, plus time for its outcome to
 * arrive); null when no attempt is left (the grace is over).
 */
function graceUntil(invoice: string | Stripe.Invoice | null): Date | null {
  const next = typeof invoice === 'object' ? invoice?.next_payment_attempt : null;
  return next ? new Date((next + GRACE_LEEWAY_SECONDS) * 1000) : null;
}

const seconds = (unix: number | null | undefined) => (typeof unix === 'number' ? new Date(unix * 1000) : null);

/** The cache key of a customer's latest invoices (GET /billing), dropped whenever their invoices or subscription change. */
export const invoiceCacheKey = (customer: string) => `stripe:invoices:${customer}`;

async function notifyPaymentFailed(tx: TransactionSql, customer: string, invoice: StripeObject) {
  const amount = typeof invoice.amount_due === 'number' ? `${(invoice.amount_due / 100).toFixed(2)} ${String(invoice.currency ?? '').toUpperCase()}` : 'the amount due';
  const next = typeof invoice.next_payment_attempt === 'number' ? new Date(invoice.next_payment_attempt * 1000).toISOString().slice(0, 10) : undefined;
  await tx`
    SELECT notify_user(u.id, 'billing', 'Your payment failed',
      ${`We could not collect ${amount} for your plan. ${next ? `We will try again on ${next}; ` : ''}update your payment method in the billing portal to keep your plan.`},
      ${`stripe:invoice.payment_failed:${String(invoice.id)}:${String(invoice.attempt_count ?? 0)}`},
      ${tx.json({ invoice: String(invoice.id), attempt_count: invoice.attempt_count ?? null } as never)})
    FROM users u WHERE u.stripe_customer_id = ${customer}`;
}

async function notifyTrialEnding(tx: TransactionSql, sub: StripeObject) {
  const customer = idOf(sub.customer);
  const trialEnd = typeof sub.trial_end === 'number' ? new Date(sub.trial_end * 1000) : undefined;
  if (!customer || !trialEnd) return;
  await tx`
    SELECT notify_user(u.id, 'billing', 'Your trial ends soon',
      ${`Your free trial ends on ${trialEnd.toISOString().slice(0, 10)}; your plan then continues with the payment method on file.`},
      ${`stripe:trial_will_end:${String(sub.id)}:${String(sub.trial_end)}`}, ${tx.json({ trial_end: trialEnd.toISOString() } as never)})
    FROM users u WHERE u.stripe_customer_id = ${customer}`;
}
