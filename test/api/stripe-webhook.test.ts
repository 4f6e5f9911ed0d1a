import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { asService } from '../../db/context.ts';
import { signStripePayload } from '../../functions/billing/signature.ts';
import { LOCAL_STRIPE_WEBHOOK_SECRET } from '../../local/stack.ts';
import { startTestApi, type TestApi } from '../api.ts';
import { billingOf, historyOf, subscribedUser } from './billing-world.ts';

let api: TestApi;
beforeAll(async () => {
  // Put in the local Secrets Manager, where the billing Lambda reads it (it has only STRIPE_WEBHOOK_SECRETS_SECRET_ARN).
  api = await startTestApi('api_stripe', { secrets: { STRIPE_WEBHOOK_SECRETS: `whsec_old_secret_being_rolled,${LOCAL_STRIPE_WEBHOOK_SECRET}` } });
});
afterAll(async () => { await api?.stop(); });
afterEach(() => { api.stack.stripe.deliveries.mode = 'auto'; });

const now = () => Math.floor(Date.now() / 1000);
let sequence = 0;
function event(type: string, object: Record<string, unknown>) {
  sequence += 1;
  return { id: `evt_test_${Date.now()}_${sequence}`, object: 'event', type, api_version: '2026-10-28.endive', created: now(), livemode: false,
    data: { object } };
}
function deliver(body: unknown, options: { secret?: string; timestamp?: number; header?: string } = {}) {
  const payload = JSON.stringify(body);
  const header = options.header ?? signStripePayload(payload, options.secret ?? LOCAL_STRIPE_WEBHOOK_SECRET, options.timestamp);
  return api.request('POST', '/stripe-webhook', { rawBody: payload, headers: { 'stripe-signature': header } });
}
const sandbox = () => api.stack.stripe;
/** Holds the sandbox's events for the test to deliver (late, twice, out of order) instead of as they happen. */
async function holdDeliveries() {
  await sandbox().deliveries.settled();
  sandbox().deliveries.mode = 'manual';
  sandbox().deliveries.take();
}
const subscriptionRow = async (userId: string) => (await asService(api.db.app, (tx) => tx`
  SELECT t.slug AS tier, st.slug AS status, s.stripe_subscription_id FROM subscription s JOIN subscription_tier t ON t.id = s.tier_id
  JOIN subscription_status st ON st.id = s.status_id WHERE s.user_id = ${userId}`))[0];

describe('POST /stripe-webhook: order-safe', () => {
  it('ends in Stripe’s final state (canceled) whatever the order and however often created, updated and deleted arrive', async () => {
    const user = await subscribedUser(api, 'basic');
    await holdDeliveries();
    sandbox().state.updateSubscription(user.subscriptionId, { items: [{ price: 'price_premium_monthly' }] });
    sandbox().state.cancelSubscription(user.subscriptionId);
    const [updated, deleted] = sandbox().deliveries.take();
    expect([updated!.type, deleted!.type]).toEqual(['customer.subscription.updated', 'customer.subscription.deleted']);
    const created = { ...sandbox().state.events.find((e) => e.type === 'customer.subscription.created' && e.data.object.id === user.subscriptionId)!,
      id: `evt_late_created_${sequence++}` };

    for (const late of [deleted, created, updated, deleted, created, updated]) expect((await deliver(late)).status).toBe(200);
    expect(await subscriptionRow(user.userId)).toMatchObject({ tier: 'premium', status: 'canceled', stripe_subscription_id: user.subscriptionId });
    expect(await billingOf(api, user.token)).toMatchObject({ tier: 'free', status: 'canceled' });
    // The late premium copy of `updated` never counted as an upgrade: the first delivery already read the cancellation.
    expect((await historyOf(api, user.userId)).map((h) => h.change)).toEqual(['subscribed', 'canceled']);
  });

  it('ends in Stripe’s final state (premium, active) when an upgrade and the creation race in reverse and in duplicate, concurrently', async () => {
    const user = await subscribedUser(api, 'basic');
    await holdDeliveries();
    sandbox().state.updateSubscription(user.subscriptionId, { items: [{ price: 'price_premium_monthly' }] });
    const [upgrade] = sandbox().deliveries.take();
    const created = sandbox().state.events.find((e) => e.type === 'customer.subscription.created' && e.data.object.id === user.subscriptionId)!;
    const copies = [upgrade, { ...created, id: `evt_dup_a_${sequence++}` }, upgrade, { ...created, id: `evt_dup_b_${sequence++}` }, upgrade];
    const answers = await Promise.all(copies.map((e) => deliver(e)));
    expect(answers.map((a) => a.status)).toEqual(Array(5).fill(200));
    expect(await billingOf(api, user.token)).toMatchObject({ tier: 'premium', billed_tier: 'premium', status: 'active' });
    expect((await historyOf(api, user.userId)).map((h) => h.change)).toEqual(['subscribed', 'upgraded']);
  });

  it('ignores the late end of an old subscription once the user subscribed again', async () => {
    const user = await subscribedUser(api, 'basic');
    await holdDeliveries();
    sandbox().state.cancelSubscription(user.subscriptionId);
    const [ended] = sandbox().deliveries.take();
    await deliver(ended);
    sandbox().deliveries.mode = 'auto';
    const checkout = await api.request('POST', '/billing-checkout', { token: user.token, body: { tier: 'premium' } });
    sandbox().state.completeCheckout(checkout.body.session_id, '4242424242424242');
    await sandbox().deliveries.settled();
    expect(await billingOf(api, user.token)).toMatchObject({ tier: 'premium', status: 'active' });
    await deliver({ ...ended, id: `evt_old_end_${sequence++}` });
    expect(await billingOf(api, user.token)).toMatchObject({ tier: 'premium', status: 'active' });
  });
});

describe('POST /stripe-webhook: delivery', () => {
  it('acknowledges a redelivered event without processing it again, even 20 deliveries at once', async () => {
    const body = event('invoice.paid', { id: 'in_1', object: 'invoice', customer: 'cus_x', status: 'paid' });
    const responses = await Promise.all(Array.from({ length: 20 }, () => deliver(body)));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(responses.filter((r) => r.body.duplicate === false)).toHaveLength(1);
    const rows = await asService(api.db.app, (tx) => tx`SELECT status FROM stripe_webhook_events WHERE stripe_event_id = ${body.id}`);
    expect(rows.map((r) => r.status)).toEqual(['processed']);
  });

  it('rejects unsigned (naming the header), tampered, stale and wrongly signed deliveries with 400 and writes nothing', async () => {
    const user = await subscribedUser(api, 'basic');
    await holdDeliveries();
    sandbox().state.updateSubscription(user.subscriptionId, { items: [{ price: 'price_premium_monthly' }] });
    const [body] = sandbox().deliveries.take();
    const payload = JSON.stringify(body);
    const unsigned = await api.request('POST', '/stripe-webhook', { rawBody: payload });
    expect([unsigned.status, unsigned.body.error.code]).toEqual([400, 'validation_failed']);
    expect(unsigned.body.error.details).toEqual([{ path: 'stripe-signature', message: 'Missing Stripe-Signature header' }]);
    const cases = [
      await deliver(body, { secret: 'whsec_attacker' }),
      await deliver(body, { timestamp: now() - 301 }),
      await deliver(body, { header: 't=123' }),
      await api.request('POST', '/stripe-webhook', { rawBody: payload.replace('"active"', '"trialing"'), headers: { 'stripe-signature': signStripePayload(payload, LOCAL_STRIPE_WEBHOOK_SECRET) } }),
    ];
    expect(cases.map((res) => [res.status, res.body.error.code])).toEqual(Array(4).fill([400, 'bad_request']));
    expect(cases[1]!.body.error.message).toBe('Timestamp outside the tolerance zone');
    const rows = await asService(api.db.app, (tx) => tx`SELECT 1 FROM stripe_webhook_events WHERE stripe_event_id = ${body!.id}`);
    expect(rows).toHaveLength(0);
    expect(await billingOf(api, user.token)).toMatchObject({ tier: 'basic' });
    expect((await historyOf(api, user.userId)).map((h) => h.change)).toEqual(['subscribed']);
  });

  it('accepts events signed with the older secret while it is being rolled', async () => {
    const res = await deliver(event('invoice.paid', { id: 'in_2', object: 'invoice' }), { secret: 'whsec_old_secret_being_rolled' });
    expect(res.body).toMatchObject({ received: true, duplicate: false });
  });

  it('retries an event that arrived before the checkout that links its customer', async () => {
    const user = await api.signUp();
    await holdDeliveries();
    const customer = sandbox().state.createCustomer({ email: user.email });
    const session = sandbox().state.createCheckoutSession({ mode: 'subscription', customer: customer.id, client_reference_id: user.userId,
      line_items: [{ price: 'price_basic_monthly' }], success_url: 'https://example.com/ok' });
    sandbox().state.completeCheckout(session.id, '4242424242424242');
    const events = sandbox().deliveries.take();
    const early = events.find((e) => e.type === 'customer.subscription.created')!;
    expect((await deliver(early)).body.status).toBe('failed');
    await deliver(events.find((e) => e.type === 'checkout.session.completed'));
    await asService(api.db.app, (tx) => tx`UPDATE stripe_webhook_events SET next_retry_at = now() WHERE stripe_event_id = ${early.id}`);
    expect(await api.stack.scheduler.run('stripe-webhook-retry')).toEqual({ retried: 1, processed: 1 });
    expect(await billingOf(api, user.token)).toMatchObject({ tier: 'basic', status: 'active' });
  });

  it('ignores an event for a subscription Stripe does not know (a test event), processing it without change', async () => {
    const res = await deliver(event('customer.subscription.updated', { id: 'sub_unknown', object: 'subscription', customer: 'cus_unknown' }));
    expect(res.body).toMatchObject({ duplicate: false, status: 'processed' });
  });
});
