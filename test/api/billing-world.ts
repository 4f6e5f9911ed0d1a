import { asService } from '../../db/context.ts';
import type { TestApi } from '../api.ts';

/** A person on the sandbox's hosted Checkout page: it loads, they submit a card; the answer is Stripe's redirect (or the page again). */
export async function payOnCheckoutPage(url: string, card = '4242 4242 4242 4242'): Promise<{ status: number; location: string | null; html: string }> {
  const page = await fetch(url);
  if (page.status !== 200) throw new Error(`the checkout page answered ${page.status}`);
  await page.text();
  const paid = await fetch(url, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ card }) });
  return { status: paid.status, location: paid.headers.get('location'), html: await paid.text() };
}

/** Signs a user up and takes them through Checkout for `tier`; resolves once Stripe's events were delivered. */
export async function subscribedUser(api: TestApi, tier: 'basic' | 'premium', interval: 'month' | 'year' = 'month') {
  const user = await api.signUp();
  const checkout = await api.request('POST', '/billing-checkout', { token: user.token, body: { tier, interval } });
  if (checkout.status !== 200) throw new Error(`checkout answered ${checkout.status}: ${checkout.text}`);
  await payOnCheckoutPage(checkout.body.url);
  await api.stack.stripe.deliveries.settled();
  const customer = await customerOf(api, user.userId);
  const subscription = api.stack.stripe.state.currentSubscription(customer!)!;
  return { ...user, customer: customer!, subscriptionId: subscription.id as string };
}

export const billingOf = async (api: TestApi, token: string) => (await api.request('GET', '/billing', { token })).body;

/** The user's Stripe customer id, as the database links it. */
export const customerOf = async (api: TestApi, userId: string) =>
  (await asService(api.db.app, (tx) => tx`SELECT stripe_customer_id FROM users WHERE id = ${userId}`))[0]?.stripe_customer_id as string | null;

/** The user's subscription history (migration 021), oldest first. */
export const historyOf = (api: TestApi, userId: string) => asService(api.db.app, (tx) => tx`
  SELECT change, old_tier, new_tier, old_status, new_status, scheduled_tier, source FROM billing.subscription_history
  WHERE user_id = ${userId} ORDER BY id`);

/** The user's notifications' dedupe keys and titles, oldest first. */
export const notificationsOf = (api: TestApi, userId: string) => asService(api.db.app, (tx) => tx`
  SELECT dedupe_key, title, message FROM notification WHERE user_id = ${userId} ORDER BY created_at, id`);
