import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService } from '../../db/context.ts';
import { connectAccount } from '../oauth-browser.ts';
import { startTestApi, type TestApi } from '../api.ts';
import { billingOf, historyOf, notificationsOf, subscribedUser } from './billing-world.ts';

let api: TestApi;
beforeAll(async () => { api = await startTestApi('api_billing_changes'); });
afterAll(async () => { await api?.stop(); });

const stripe = () => api.stack.stripe.state;
const settled = () => api.stack.stripe.deliveries.settled();
const service = <T>(work: Parameters<typeof asService<T>>[1]) => asService(api.db.app, work);
const changes = async (userId: string) => (await historyOf(api, userId)).map((h) => h.change);

describe('price configuration', () => {
  it('maps every configured price onto its tier on a freshly migrated database, before the first event it applies', async () => {
    expect(await service((tx) => tx`SELECT count(*)::int AS n FROM billing.stripe_price`)).toEqual([{ n: 0 }]);
    const configured = api.stack.stripe.prices;
    for (const [tier, intervals] of Object.entries(configured)) {
      for (const price of Object.values(intervals)) {
        const user = await api.signUp();
        const customer = stripe().createCustomer({ email: user.email, metadata: { user_id: user.userId } });
        const session = stripe().createCheckoutSession({ mode: 'subscription', customer: customer.id, client_reference_id: user.userId,
          line_items: [{ price }], success_url: 'https://example.com/ok', subscription_data: { metadata: { user_id: user.userId } } });
        stripe().completeCheckout(session.id, '4242424242424242');
        await settled();
        expect([price, (await billingOf(api, user.token)).tier]).toEqual([price, tier]);
      }
    }
    const mapped = await service((tx) => tx`
      SELECT p.price_id, t.slug, p.billing_interval FROM billing.stripe_price p JOIN subscription_tier t ON t.id = p.tier_id WHERE p.is_active ORDER BY 1`);
    expect(mapped.map((r) => [r.price_id, r.slug, r.billing_interval])).toEqual([
      ['price_basic_monthly', 'basic', 'month'], ['price_basic_yearly', 'basic', 'year'],
      ['price_premium_monthly', 'premium', 'month'], ['price_premium_yearly', 'premium', 'year']]);
    expect(await service((tx) => tx`SELECT slug, stripe_price_id FROM subscription_tier ORDER BY sort_order`)).toEqual([
      { slug: 'free', stripe_price_id: null }, { slug: 'basic', stripe_price_id: 'price_basic_monthly' },
      { slug: 'premium', stripe_price_id: 'price_premium_monthly' }]);
  });

  it('moves a price to another tier, keeps a price no longer offered for its subscriptions, and refuses unknown tiers', async () => {
    const rolledBack = new Error('rolled back');
    await expect(service(async (tx) => {
      await tx`SELECT billing.configure_stripe_prices(${tx.json({ basic: { month: 'price_new_basic' }, premium: { month: 'price_basic_yearly' } })})`;
      const rows = await tx`SELECT price_id, is_active FROM billing.stripe_price ORDER BY price_id`;
      expect(rows.map((r) => [r.price_id, r.is_active])).toEqual([['price_basic_monthly', false], ['price_basic_yearly', true],
        ['price_new_basic', true], ['price_premium_monthly', false], ['price_premium_yearly', false]]);
      for (const prices of [{ gold: { month: 'price_x' } }, { free: { month: 'price_x' } }, { basic: { weekly: 'price_x' } }, { basic: { month: 'x' } }]) {
        await expect(tx.savepoint((sp) => sp`SELECT billing.configure_stripe_prices(${sp.json(prices)})`)).rejects.toMatchObject({ code: '22023' });
      }
      throw rolledBack;
    })).rejects.toBe(rolledBack);
    expect(await service((tx) => tx`SELECT count(*)::int AS n FROM billing.stripe_price WHERE is_active`)).toEqual([{ n: 4 }]);
  });
});

describe('what a change does', () => {
  it('upgrades at once: the new limits apply in the same period, usage kept', async () => {
    const user = await subscribedUser(api, 'basic');
    await service((tx) => tx`SELECT increment_quota(${user.userId}, 'sync', 40)`);
    stripe().updateSubscription(user.subscriptionId, { items: [{ price: 'price_premium_monthly' }] });
    await settled();
    const billing = await billingOf(api, user.token);
    expect(billing).toMatchObject({ tier: 'premium', scheduled_change: null });
    expect(billing.quotas).toContainEqual({ quota_type: 'sync', used: 40, limit: 3000, remaining: 2960 });
    expect(await changes(user.userId)).toEqual(['subscribed', 'upgraded']);
  });

  it('downgrades at the end of the paid period: premium until then, basic from the renewal, the ended cycle archived', async () => {
    const user = await subscribedUser(api, 'premium');
    const periodEnd = (await billingOf(api, user.token)).current_period_end;
    await service((tx) => tx`SELECT increment_quota(${user.userId}, 'ai_analysis', 300)`);
    stripe().updateSubscription(user.subscriptionId, { items: [{ price: 'price_basic_monthly' }] });
    await settled();
    expect(await billingOf(api, user.token)).toMatchObject({ tier: 'premium', billed_tier: 'basic', scheduled_change: { tier: 'basic', at: periodEnd } });
    stripe().endPeriod(user.subscriptionId);
    await settled();
    const renewed = await billingOf(api, user.token);
    expect(renewed).toMatchObject({ tier: 'basic', scheduled_change: null });
    expect(renewed.quotas).toContainEqual({ quota_type: 'ai_analysis', used: 0, limit: 250, remaining: 250 });
    expect(await changes(user.userId)).toEqual(['subscribed', 'downgrade_scheduled', 'downgraded']);
    const archived = await service((tx) => tx`SELECT ai_analyses_used, max_ai_analyses FROM quota_usage_history WHERE user_id = ${user.userId}`);
    expect(archived.map((r) => [r.ai_analyses_used, r.max_ai_analyses])).toContainEqual([300, 2500]);
  });

  it('applies a scheduled downgrade by schedule when its time came without an event', async () => {
    const user = await subscribedUser(api, 'premium');
    stripe().updateSubscription(user.subscriptionId, { items: [{ price: 'price_basic_monthly' }] });
    await settled();
    await service((tx) => tx`UPDATE subscription SET scheduled_change_at = now() - interval '1 minute' WHERE user_id = ${user.userId}`);
    expect(await api.stack.scheduler.run('billing-transitions')).toEqual({ changed: 1 });
    expect(await billingOf(api, user.token)).toMatchObject({ tier: 'basic', scheduled_change: null });
    expect((await historyOf(api, user.userId)).at(-1)).toMatchObject({ change: 'downgraded', old_tier: 'premium', new_tier: 'basic',
      source: 'schedule:billing-transitions' });
  });

  it('cancels at period end: entitled until Stripe ends it, then free; the user is told both times, once', async () => {
    const user = await subscribedUser(api, 'premium');
    stripe().updateSubscription(user.subscriptionId, { cancel_at_period_end: true });
    await settled();
    expect(await billingOf(api, user.token)).toMatchObject({ tier: 'premium', status: 'active', cancel_at_period_end: true });
    stripe().endPeriod(user.subscriptionId);
    await settled();
    expect(await billingOf(api, user.token)).toMatchObject({ tier: 'free', status: 'canceled' });
    expect(await changes(user.userId)).toEqual(['subscribed', 'cancel_scheduled', 'canceled']);
    expect((await notificationsOf(api, user.userId)).map((n) => n.title)).toEqual(['Your subscription will end', 'Your subscription has ended']);
  });

  it('keeps the tier while past_due for Stripe’s retries, drops to free when none is left, and recovers when paid', async () => {
    const user = await subscribedUser(api, 'premium');
    stripe().endPeriod(user.subscriptionId, { fail: true });
    await settled();
    const pastDue = await billingOf(api, user.token);
    const nextAttempt = stripe().invoices.get(stripe().subscription(user.subscriptionId).latest_invoice)!.next_payment_attempt as number;
    expect(pastDue).toMatchObject({ tier: 'premium', status: 'past_due' });
    expect(new Date(pastDue.grace_until).getTime()).toBe((nextAttempt + 86_400) * 1000);
    stripe().retryPayment(user.subscriptionId, { fail: true, final: true });
    await settled();
    expect(await billingOf(api, user.token)).toMatchObject({ tier: 'free', status: 'past_due', billed_tier: 'premium' });
    stripe().retryPayment(user.subscriptionId);
    await settled();
    expect(await billingOf(api, user.token)).toMatchObject({ tier: 'premium', status: 'active', grace_until: null });
    expect(await changes(user.userId)).toEqual(['subscribed', 'past_due', 'grace_expired', 'recovered']);
    // The last failure and the end of the grace are one transaction: their order among themselves is not told.
    const keys = (await notificationsOf(api, user.userId)).map((n) => n.dedupe_key as string).sort();
    expect(keys).toEqual([expect.stringMatching(/^stripe:grace_expired:sub_/),
      expect.stringMatching(/^stripe:invoice\.payment_failed:in_\w+:1$/), expect.stringMatching(/^stripe:invoice\.payment_failed:in_\w+:2$/)]);
  });

  it('ends a past-due grace by schedule when Stripe’s next event does not come', async () => {
    const user = await subscribedUser(api, 'basic');
    stripe().endPeriod(user.subscriptionId, { fail: true });
    await settled();
    await service((tx) => tx`UPDATE subscription SET grace_until = now() - interval '1 minute' WHERE user_id = ${user.userId}`);
    expect(await api.stack.scheduler.run('billing-transitions')).toEqual({ changed: 1 });
    expect(await billingOf(api, user.token)).toMatchObject({ tier: 'free', status: 'past_due' });
    expect((await changes(user.userId)).at(-1)).toBe('grace_expired');
  });

  it('pauses (free limits) and resumes (the tier again)', async () => {
    const user = await subscribedUser(api, 'basic');
    stripe().pause(user.subscriptionId);
    await settled();
    expect(await billingOf(api, user.token)).toMatchObject({ tier: 'free', status: 'paused' });
    stripe().resume(user.subscriptionId);
    await settled();
    expect(await billingOf(api, user.token)).toMatchObject({ tier: 'basic', status: 'active' });
    expect(await changes(user.userId)).toEqual(['subscribed', 'paused', 'resumed']);
  });

  it('tells a trialing user once that the trial ends, however often Stripe says so', async () => {
    const user = await api.signUp();
    const checkout = await api.request('POST', '/billing-checkout', { token: user.token, body: { tier: 'basic' } });
    stripe().session(checkout.body.session_id)._subscription_data.trial_period_days = '14';
    stripe().completeCheckout(checkout.body.session_id, '4242424242424242');
    const sub = stripe().currentSubscription(stripe().session(checkout.body.session_id).customer)!;
    stripe().trialWillEnd(sub.id);
    stripe().trialWillEnd(sub.id);
    await settled();
    expect(await billingOf(api, user.token)).toMatchObject({ tier: 'basic', status: 'trialing' });
    expect((await notificationsOf(api, user.userId)).map((n) => n.title)).toEqual(['Your trial ends soon']);
  });

  it('keeps accounts beyond a lower limit connected, refuses new ones and their syncs, and says why', async () => {
    const user = await subscribedUser(api, 'premium');
    for (const [platform, login] of [['youtube', 'limit-yt'], ['tiktok', 'limit-tt'], ['twitter', 'limit-x']] as const) {
      const { landing } = await connectAccount(api, platform, user.token, `${login}-${user.userId.slice(0, 8)}`);
      expect(landing.searchParams.get('connected')).toBe(platform);
    }
    stripe().cancelSubscription(user.subscriptionId);
    await settled();
    expect(await billingOf(api, user.token)).toMatchObject({ tier: 'free', social_accounts: { connected: 3, limit: 2 } });
    const [overLimit] = (await notificationsOf(api, user.userId)).filter((n) => n.dedupe_key.startsWith('billing:over_limit:'));
    expect(overLimit!.message).toBe('You have 3 connected accounts and the Free plan allows 2. All of them stay connected, but you cannot '
      + 'connect another, and only your 2 oldest accounts sync. Upgrade, or disconnect 1, to sync the others.');
    const { landing } = await connectAccount(api, 'instagram', user.token, `limit-ig-${user.userId.slice(0, 8)}`);
    expect(landing.searchParams.get('error')).toBe('limit_reached');
    const newest = await api.request('POST', '/sync-twitter', { token: user.token, body: {} });
    expect([newest.status, newest.body.error.code]).toEqual([409, 'conflict']);
    expect(newest.body.error.message).toMatch(/free plan syncs 2 connected accounts and this one is beyond them/);
    expect((await api.request('POST', '/sync-youtube', { token: user.token, body: {} })).status).toBe(202);
    const [twitter] = await service((tx) => tx`
      SELECT a.id FROM social_account a JOIN platform p ON p.id = a.platform_id WHERE a.user_id = ${user.userId} AND p.slug = 'twitter'`);
    const [auto] = await service((tx) => tx`SELECT * FROM request_sync(${user.userId}, ${twitter!.id}, 'auto_sync', '{}')`);
    expect(auto).toMatchObject({ job_id: null, created: false, quota_exhausted: false });
  });
});
