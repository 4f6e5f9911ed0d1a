import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../api.ts';
import { billingOf, historyOf } from './billing-world.ts';

let api: TestApi;
let stripe: Stripe;
beforeAll(async () => {
  api = await startTestApi('api_stripe_sandbox');
  const url = new URL(api.stack.stripe.url);
  stripe = new Stripe(api.stack.stripe.apiKey, { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0 });
});
afterAll(async () => { await api?.stop(); });

describe('the Stripe sandbox, through the stripe SDK', () => {
  it('creates customers once per idempotency key, and refuses a reused key with other parameters as Stripe does', async () => {
    const first = await stripe.customers.create({ email: 'a@example.com', metadata: { user_id: 'u1' } }, { idempotencyKey: 'sandbox-key-1' });
    const again = await stripe.customers.create({ email: 'a@example.com', metadata: { user_id: 'u1' } }, { idempotencyKey: 'sandbox-key-1' });
    expect(again.id).toBe(first.id);
    expect(first).toMatchObject({ object: 'customer', email: 'a@example.com', metadata: { user_id: 'u1' }, livemode: false });
    expect(first.id).toMatch(/^cus_[A-Za-z0-9]{24}$/);
    await expect(stripe.customers.create({ email: 'b@example.com' }, { idempotencyKey: 'sandbox-key-1' }))
      .rejects.toMatchObject({ type: 'StripeIdempotencyError', statusCode: 400 });
  });

  it('answers Stripe’s error bodies: a wrong key (401), a missing object (404 resource_missing), a bad parameter (400)', async () => {
    const url = new URL(api.stack.stripe.url);
    const wrongKey = new Stripe('sk_test_not_the_sandbox_key', { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0 });
    await expect(wrongKey.customers.create({})).rejects.toMatchObject({ type: 'StripeAuthenticationError', statusCode: 401 });
    await expect(stripe.subscriptions.retrieve('sub_missing')).rejects.toMatchObject({
      type: 'StripeInvalidRequestError', statusCode: 404, code: 'resource_missing', param: 'id', message: "No such subscription: 'sub_missing'" });
    await expect(stripe.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: 'price_nope', quantity: 1 }], success_url: 'https://x.example' }))
      .rejects.toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'line_items[0][price]' });
    await expect(stripe.invoices.list({ limit: 1000 })).rejects.toMatchObject({ statusCode: 400, param: 'limit' });
  });

  it('gives subscriptions the layout of the pinned API version: the period on items, the invoice’s subscription under parent', async () => {
    const customer = await stripe.customers.create({ email: 'layout@example.com' });
    const session = await stripe.checkout.sessions.create({ mode: 'subscription', customer: customer.id,
      line_items: [{ price: 'price_basic_yearly', quantity: 1 }], success_url: 'https://x.example/ok' });
    api.stack.stripe.state.completeCheckout(session.id, '4242 4242 4242 4242');
    const done = await stripe.checkout.sessions.retrieve(session.id);
    const sub = await stripe.subscriptions.retrieve(done.subscription as string, { expand: ['latest_invoice'] });
    const item = sub.items.data[0]!;
    expect(item.current_period_end - item.current_period_start).toBe(365 * 86_400);
    expect(item.price).toMatchObject({ id: 'price_basic_yearly', recurring: { interval: 'year' } });
    const invoice = sub.latest_invoice as Stripe.Invoice;
    expect(invoice.parent?.subscription_details?.subscription).toBe(sub.id);
    expect((await stripe.invoices.list({ customer: customer.id })).data.map((i) => i.id)).toEqual([invoice.id]);
  });
});

describe('the journey from free to premium, offline', () => {
  it('a person completes Checkout in a browser, lands back on the app, and the account is premium; the portal cancels it', async () => {
    const user = await api.signUp();
    const { body } = await api.request('POST', '/billing-checkout', { token: user.token, body: { tier: 'premium' } });
    const page = await (await fetch(body.url)).text();
    expect(page).toContain('Subscribe to StreamVibe Premium (monthly)');
    expect(page).toContain('29.99 USD');
    const landing = await fetch(body.url, { method: 'POST', body: new URLSearchParams({ card: '4242 4242 4242 4242' }) });
    expect(landing.url).toBe(`${api.url}/app/billing?checkout=success&session_id=${body.session_id}`);
    expect(await landing.text()).toContain('Payment received');
    await api.stack.stripe.deliveries.settled();
    expect(await billingOf(api, user.token)).toMatchObject({ tier: 'premium', status: 'active' });

    const portal = await api.request('POST', '/billing-portal', { token: user.token });
    const back = await fetch(portal.body.url, { method: 'POST', body: new URLSearchParams({ action: 'cancel' }) });
    expect(await back.text()).toContain('Your plan will be canceled on');
    await api.stack.stripe.deliveries.settled();
    expect(await billingOf(api, user.token)).toMatchObject({ tier: 'premium', cancel_at_period_end: true });
  });

  it('`npm run stripe:trigger` makes the objects in the sandbox, signs the event and sends it to the API', async () => {
    const user = await api.signUp();
    const run = (...args: string[]) => promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/stripe-trigger.ts', ...args,
      '--api', api.url, '--stripe', api.stack.stripe.url, '--user', user.userId]);
    const created = await run('customer.subscription.created', '--tier', 'basic');
    expect(created.stdout).toMatch(/^customer\.subscription\.created evt_\w+ → 200 .*"duplicate":false,"status":"processed"/);
    expect(await billingOf(api, user.token)).toMatchObject({ tier: 'basic', status: 'active' });
    await run('invoice.payment_failed');
    expect(await billingOf(api, user.token)).toMatchObject({ tier: 'basic', status: 'past_due' });
    await run('customer.subscription.deleted');
    expect(await billingOf(api, user.token)).toMatchObject({ tier: 'free', status: 'canceled' });
    expect((await historyOf(api, user.userId)).map((h) => h.change)).toEqual(['subscribed', 'past_due', 'canceled']);
    await expect(run('charge.refunded')).rejects.toMatchObject({ stderr: expect.stringContaining('cannot trigger charge.refunded') });
  });
});
