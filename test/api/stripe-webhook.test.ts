import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService } from '../../db/context.ts';
import { signStripePayload } from '../../functions/billing/signature.ts';
import { LOCAL_STRIPE_WEBHOOK_SECRET } from '../../local/stack.ts';
import { startTestApi, type TestApi } from '../api.ts';

let api: TestApi;
beforeAll(async () => {
  process.env.STRIPE_WEBHOOK_SECRETS = `whsec_old_secret_being_rolled,${LOCAL_STRIPE_WEBHOOK_SECRET}`;
  api = await startTestApi('api_stripe');
  await asService(api.db.app, (tx) => tx`UPDATE subscription_tier SET stripe_price_id = 'price_' || slug || '_monthly' WHERE slug <> 'free'`);
});
afterAll(async () => { await api?.stop(); });

let sequence = 0;
const now = () => Math.floor(Date.now() / 1000);
const DAY = 86_400;

function event(type: string, object: Record<string, unknown>) {
  sequence += 1;
  return { id: `evt_test_${Date.now()}_${sequence}`, object: 'event', type, api_version: '2025-03-31.basil', created: now(), livemode: false,
    data: { object } };
}
function subscription(customer: string, price: string, status: string, periodStart: number, extra: Record<string, unknown> = {}) {
  return { id: `sub_${customer}`, object: 'subscription', customer, status, cancel_at_period_end: false, canceled_at: null,
    items: { data: [{ id: 'si_1', price: { id: price }, quantity: 1, current_period_start: periodStart, current_period_end: periodStart + 30 * DAY }] },
    ...extra };
}
function deliver(body: unknown, options: { secret?: string; timestamp?: number; header?: string } = {}) {
  const payload = JSON.stringify(body);
  const header = options.header ?? signStripePayload(payload, options.secret ?? LOCAL_STRIPE_WEBHOOK_SECRET, options.timestamp);
  return api.request('POST', '/stripe-webhook', { rawBody: payload, headers: { 'stripe-signature': header } });
}
const me = async (token: string) => (await api.request('GET', '/me', { token })).body;

describe('POST /stripe-webhook', () => {
  it('links the customer at checkout, then a subscription sets the tier, status and quota cycle', async () => {
    const user = await api.signUp();
    const customer = `cus_${user.userId.slice(0, 8)}`;
    const checkout = await deliver(event('checkout.session.completed',
      { id: 'cs_1', object: 'checkout.session', mode: 'subscription', customer, subscription: `sub_${customer}`, client_reference_id: user.userId }));
    expect(checkout.status).toBe(200);
    expect(checkout.body).toEqual({ received: true, duplicate: false, status: 'processed' });
    const start = now() - DAY;
    const created = await deliver(event('customer.subscription.created', subscription(customer, 'price_premium_monthly', 'active', start)));
    expect(created.body.status).toBe('processed');
    const account = await me(user.token);
    expect(account.subscription).toMatchObject({ tier: 'premium', status: 'active', cancel_at_period_end: false });
    expect(new Date(account.subscription.cycle_end_date).getTime()).toBe((start + 30 * DAY) * 1000);
    expect(account.subscription.quotas.find((q: { quota_type: string }) => q.quota_type === 'seo_submission').limit).toBe(1000);
  });

  it('acknowledges a redelivered event without processing it again, even 20 deliveries at once', async () => {
    const body = event('invoice.paid', { id: 'in_1', object: 'invoice', customer: 'cus_x', status: 'paid' });
    const responses = await Promise.all(Array.from({ length: 20 }, () => deliver(body)));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(responses.filter((r) => r.body.duplicate === false)).toHaveLength(1);
    const rows = await asService(api.db.app, (tx) => tx`SELECT status FROM stripe_webhook_events WHERE stripe_event_id = ${body.id}`);
    expect(rows.map((r) => r.status)).toEqual(['processed']);
  });

  it('rejects unsigned (naming the header), tampered, stale and wrongly signed deliveries with 400 and stores nothing', async () => {
    const body = event('customer.subscription.updated', subscription('cus_nobody', 'price_basic_monthly', 'active', now()));
    const payload = JSON.stringify(body);
    const unsigned = await api.request('POST', '/stripe-webhook', { rawBody: payload });
    expect([unsigned.status, unsigned.body.error.code]).toEqual([400, 'validation_failed']);
    expect(unsigned.body.error.details).toEqual([{ path: 'stripe-signature', message: 'Missing Stripe-Signature header' }]);
    const cases = [
      await deliver(body, { secret: 'whsec_attacker' }),
      await deliver(body, { timestamp: now() - 301 }),
      await deliver(body, { header: 't=123' }),
      await api.request('POST', '/stripe-webhook', { rawBody: payload.replace('active', 'trialing'), headers: { 'stripe-signature': signStripePayload(payload, LOCAL_STRIPE_WEBHOOK_SECRET) } }),
    ];
    for (const res of cases) {
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('bad_request');
    }
    const rows = await asService(api.db.app, (tx) => tx`SELECT 1 FROM stripe_webhook_events WHERE stripe_event_id = ${body.id}`);
    expect(rows).toHaveLength(0);
  });

  it('accepts events signed with the older secret while it is being rolled', async () => {
    const res = await deliver(event('invoice.paid', { id: 'in_2', object: 'invoice' }), { secret: 'whsec_old_secret_being_rolled' });
    expect(res.body).toMatchObject({ received: true, duplicate: false });
  });

  it('retries an event that arrived before the checkout that links its customer', async () => {
    const user = await api.signUp();
    const customer = `cus_${user.userId.slice(0, 8)}`;
    const early = event('customer.subscription.created', subscription(customer, 'price_basic_monthly', 'trialing', now()));
    expect((await deliver(early)).body.status).toBe('failed');
    await deliver(event('checkout.session.completed', { id: 'cs_2', mode: 'subscription', customer, client_reference_id: user.userId }));
    await asService(api.db.app, (tx) => tx`UPDATE stripe_webhook_events SET next_retry_at = now() WHERE stripe_event_id = ${early.id}`);
    expect(await api.stack.scheduler.run('stripe-webhook-retry')).toEqual({ retried: 1, processed: 1 });
    expect((await me(user.token)).subscription).toMatchObject({ tier: 'basic', status: 'trialing' });
  });

  it('starts a new quota cycle on renewal (archiving the old one) and drops to free-tier quotas on cancellation', async () => {
    const user = await api.signUp();
    const customer = `cus_${user.userId.slice(0, 8)}`;
    await deliver(event('checkout.session.completed', { id: 'cs_3', mode: 'subscription', customer, client_reference_id: user.userId }));
    const firstPeriod = now() - 29 * DAY;
    await deliver(event('customer.subscription.created', subscription(customer, 'price_basic_monthly', 'active', firstPeriod)));
    await asService(api.db.app, (tx) => tx`SELECT increment_quota(${user.userId}, 'sync', 40)`);
    await deliver(event('customer.subscription.updated', subscription(customer, 'price_basic_monthly', 'active', firstPeriod + 30 * DAY)));
    const renewed = await me(user.token);
    expect(renewed.subscription.quotas.find((q: { quota_type: string }) => q.quota_type === 'sync')).toMatchObject({ used: 0, limit: 300 });
    const history = await asService(api.db.app, (tx) => tx`SELECT syncs_used FROM quota_usage_history WHERE user_id = ${user.userId}`);
    expect(history.map((h) => h.syncs_used)).toEqual([40]);

    await deliver(event('customer.subscription.deleted', subscription(customer, 'price_basic_monthly', 'canceled', firstPeriod + 30 * DAY)));
    const canceled = await me(user.token);
    expect(canceled.subscription).toMatchObject({ tier: 'free', status: 'canceled' });
  });
});
