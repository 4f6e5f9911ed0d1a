import * as z from 'zod/mini';
import { asService, db } from '../../_shared/db.ts';
import { ConflictError, NotFoundError } from '../../_shared/errors.ts';
import { defineRoute, type Parsed } from '../../_shared/route.ts';
import { billingConfig } from '../config.ts';
import { ensureCustomer } from '../customer.ts';
import { ensureStripePrices } from '../prices.ts';
import { stripe } from '../stripe.ts';

export const CheckoutBody = () => z.strictObject({
  tier: z.enum(['basic', 'premium']),
  interval: z._default(z.enum(['month', 'year']), 'month'),
});
const CheckoutResponse = () => z.object({ url: z.string(), session_id: z.string() });

/**
 * A Stripe Checkout Session (subscription mode) for the tier's configured price, for the caller's one Stripe customer
 * (created on the first call). A caller already paying changes plans in the portal instead (409).
 */
export const checkoutRoute = defineRoute({
  method: 'POST', path: '/billing-checkout', auth: 'user', tags: ['Billing'], body: CheckoutBody, response: CheckoutResponse,
  summary: 'Start paying for a tier: the URL of a Stripe Checkout page (subscription mode)',
}, async ({ body, claims }) => {
  const userId = claims.sub;
  await ensureStripePrices();
  const [state] = await asService(db(), (tx) => tx`
    SELECT (SELECT p.price_id FROM billing.stripe_price p JOIN subscription_tier t ON t.id = p.tier_id
             WHERE t.slug = ${body.tier} AND p.billing_interval = ${body.interval} AND p.is_active) AS price_id,
           (SELECT q.tier_slug FROM effective_quota(${userId}) q) AS current_tier`);
  if (!state!.price_id) throw new NotFoundError(`The ${body.tier} plan has no ${body.interval}ly price on this stage`);
  if (state!.current_tier !== 'free') {
    throw new ConflictError(`You are on the ${state!.current_tier} plan already: change or cancel it in the billing portal (POST /billing-portal)`);
  }
  return createSession(userId, state!.price_id as string, body);
});

async function createSession(userId: string, price: string, body: Parsed<typeof CheckoutBody>) {
  const customer = await ensureCustomer(userId);
  const returnUrl = billingConfig().BILLING_RETURN_URL;
  const session = await (await stripe()).checkout.sessions.create({
    mode: 'subscription', customer, client_reference_id: userId, line_items: [{ price, quantity: 1 }],
    success_url: `${returnUrl}?checkout=success&session_id={CHECKOUT_SESSION_ID}`, cancel_url: `${returnUrl}?checkout=canceled`,
    metadata: { user_id: userId, tier: body.tier, interval: body.interval }, subscription_data: { metadata: { user_id: userId } },
  });
  return { url: session.url!, session_id: session.id };
}
