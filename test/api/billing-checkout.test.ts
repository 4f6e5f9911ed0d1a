import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type ApiResponse, type TestApi } from '../api.ts';
import { billingOf, customerOf, historyOf, payOnCheckoutPage, subscribedUser } from './billing-world.ts';

let api: TestApi;
beforeAll(async () => { api = await startTestApi('api_billing_checkout'); });
afterAll(async () => { await api?.stop(); });

describe('POST /billing-checkout → hosted Checkout → signed webhooks', () => {
  it('takes a free user to premium: tier, status, period and quotas change, history and invoices follow', async () => {
    const user = await api.signUp();
    expect((await billingOf(api, user.token))).toMatchObject({ tier: 'free', status: 'none', invoices: [] });
    const checkout = await api.request('POST', '/billing-checkout', { token: user.token, body: { tier: 'premium', interval: 'month' } });
    expect(checkout.status).toBe(200);
    expect(checkout.body.url).toBe(`${api.stack.stripe.url}/c/pay/${checkout.body.session_id}`);
    const paid = await payOnCheckoutPage(checkout.body.url);
    expect(paid.status).toBe(303);
    expect(paid.location).toBe(`${api.url}/app/billing?checkout=success&session_id=${checkout.body.session_id}`);
    await api.stack.stripe.deliveries.settled();
    expect(api.stack.stripe.deliveries.log.slice(-3).map((d) => [d.type, d.status])).toEqual([
      ['customer.subscription.created', 200], ['invoice.paid', 200], ['checkout.session.completed', 200]]);

    const billing = await billingOf(api, user.token);
    expect(billing).toMatchObject({ tier: 'premium', billed_tier: 'premium', status: 'active', cancel_at_period_end: false,
      scheduled_change: null, social_accounts: { connected: 0, limit: 20 } });
    expect(billing.quotas).toContainEqual({ quota_type: 'sync', used: 0, limit: 3000, remaining: 3000 });
    expect(billing.invoices).toHaveLength(1);
    expect(billing.invoices[0]).toMatchObject({ status: 'paid', amount_paid_cents: 2999, currency: 'usd' });
    expect(new Date(billing.current_period_end).getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    expect((await historyOf(api, user.userId)).map((h) => [h.change, h.old_tier, h.new_tier])).toEqual([['subscribed', 'free', 'premium']]);
  });

  it('answers the yearly price of basic, and serves repeated reads of invoices from the cache (one Stripe call)', async () => {
    const user = await subscribedUser(api, 'basic', 'year');
    const calls = () => api.stack.stripe.calls.filter((c) => c.method === 'GET' && c.path === '/v1/invoices').length;
    const before = calls();
    const first = await billingOf(api, user.token);
    const second = await billingOf(api, user.token);
    expect(first).toMatchObject({ tier: 'basic', status: 'active' });
    expect(first.invoices[0]).toMatchObject({ amount_paid_cents: 9990 });
    expect(second.invoices).toEqual(first.invoices);
    expect(calls() - before).toBe(1);
  });

  it('still shows the plan while Stripe is down, the invoices as unavailable (null), and caches nothing', async () => {
    const user = await subscribedUser(api, 'basic');
    api.stack.stripe.inject({ method: 'GET', path: '/v1/invoices', times: 3 });
    expect(await billingOf(api, user.token)).toMatchObject({ tier: 'basic', status: 'active', invoices: null });
    expect((await billingOf(api, user.token)).invoices).toHaveLength(1);
  });

  it('reuses the one customer of a user, even for ten concurrent checkouts', async () => {
    const user = await api.signUp();
    const customersBefore = api.stack.stripe.state.customers.size;
    const answers = await Promise.all(Array.from({ length: 10 }, () =>
      api.request('POST', '/billing-checkout', { token: user.token, body: { tier: 'basic' } })));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    const customer = await customerOf(api, user.userId);
    expect(api.stack.stripe.state.customers.size - customersBefore).toBe(1);
    const sessions = answers.map((a) => api.stack.stripe.state.session(a.body.session_id));
    expect(new Set(sessions.map((s) => s.customer))).toEqual(new Set([customer]));
    expect(sessions.every((s) => s.client_reference_id === user.userId && s.mode === 'subscription')).toBe(true);
  });

  it('refuses a second subscription (409, the portal changes plans) and an unknown tier (400)', async () => {
    const user = await subscribedUser(api, 'basic');
    const again = await api.request('POST', '/billing-checkout', { token: user.token, body: { tier: 'premium' } });
    expect([again.status, again.body.error.code]).toEqual([409, 'conflict']);
    expect(again.body.error.message).toMatch(/basic plan already.*billing portal/);
    const bad = await api.request('POST', '/billing-checkout', { token: user.token, body: { tier: 'free' } });
    expect([bad.status, bad.body.error.details[0].path]).toEqual([400, 'tier']);
    expect((await api.request('POST', '/billing-checkout', { body: { tier: 'basic' } })).status).toBe(401);
  });

  it('keeps a user free when the card is declined: the page says so and nothing is charged', async () => {
    const user = await api.signUp();
    const checkout = await api.request('POST', '/billing-checkout', { token: user.token, body: { tier: 'premium' } });
    const declined = await payOnCheckoutPage(checkout.body.url, '4000 0000 0000 0002');
    expect(declined.status).toBe(402);
    expect(declined.html).toContain('Your card was declined');
    await api.stack.stripe.deliveries.settled();
    expect(await billingOf(api, user.token)).toMatchObject({ tier: 'free', status: 'none' });
  });
});

describe('POST /billing-portal', () => {
  it('answers a portal session of the caller’s customer, where switching plans and cancelling reach the account', async () => {
    const user = await subscribedUser(api, 'basic');
    const portal = await api.request('POST', '/billing-portal', { token: user.token });
    expect(portal.status).toBe(200);
    const session = api.stack.stripe.state.portalSession(portal.body.url.split('/').at(-1));
    expect(session).toMatchObject({ customer: user.customer, return_url: `${api.url}/app/billing` });
    const page = await fetch(portal.body.url);
    expect(await page.text()).toContain('StreamVibe Basic');
    const act = (form: Record<string, string>) => fetch(portal.body.url, { method: 'POST', body: new URLSearchParams(form), redirect: 'manual' });
    expect((await act({ action: 'switch', price: 'price_premium_monthly' })).status).toBe(303);
    await api.stack.stripe.deliveries.settled();
    expect(await billingOf(api, user.token)).toMatchObject({ tier: 'premium', billed_tier: 'premium' });
    await act({ action: 'cancel' });
    await api.stack.stripe.deliveries.settled();
    expect(await billingOf(api, user.token)).toMatchObject({ tier: 'premium', cancel_at_period_end: true, status: 'active' });
    expect((await historyOf(api, user.userId)).map((h) => h.change)).toEqual(['subscribed', 'upgraded', 'cancel_scheduled']);
  });
});

describe('GET /admin-subscriptions', () => {
  it('lists subscriptions by status for admins, newest change first, keyset-paged; others get 403', async () => {
    const canceled = await subscribedUser(api, 'basic');
    api.stack.stripe.state.cancelSubscription(canceled.subscriptionId);
    await api.stack.stripe.deliveries.settled();
    const admin = await api.signUp({ roles: ['admin'] });
    expect((await api.request('GET', '/admin-subscriptions', { token: canceled.token })).status).toBe(403);

    const active: string[] = [];
    let cursor: string | null = null;
    do {
      const page: ApiResponse = await api.request('GET',
        `/admin-subscriptions?status=active&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: admin.token });
      expect(page.status).toBe(200);
      expect(page.body.items.every((s: { status: string }) => s.status === 'active')).toBe(true);
      active.push(...page.body.items.map((s: { user_id: string }) => s.user_id));
      cursor = page.body.page.next_cursor;
    } while (cursor);
    const expected = await api.db.owner`SELECT s.user_id FROM subscription s JOIN subscription_status st ON st.id = s.status_id
      WHERE st.slug = 'active' ORDER BY s.updated_at DESC, s.id DESC`;
    expect(active).toEqual(expected.map((r) => r.user_id));
    expect(active).not.toContain(canceled.userId);

    const ended = await api.request('GET', '/admin-subscriptions?status=canceled', { token: admin.token });
    expect(ended.body.items.find((s: { user_id: string }) => s.user_id === canceled.userId)).toMatchObject({
      email: canceled.email, tier: 'basic', status: 'canceled', stripe_customer_id: canceled.customer, stripe_subscription_id: canceled.subscriptionId });
    const forged = await api.request('GET', '/admin-subscriptions?cursor=WyJyZWNlbnQiLCJ4Il0', { token: admin.token });
    expect([forged.status, forged.body.error.code]).toEqual([400, 'bad_request']);
  });
});
