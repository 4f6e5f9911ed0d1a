/**
 * The Stripe sandbox's account: customers, prices, Checkout and portal sessions, subscriptions and invoices, in the
 * layout of the API version the `stripe` SDK pins (2025-03-31.basil and later: the billing period on subscription
 * items, an invoice's subscription under `parent.subscription_details`). Objects start from Stripe's own example
 * objects (fixtures.json: stripe/openapi's fixtures3.json, MIT) with our values over them. Every change emits the events
 * Stripe would (`emit`), which the server signs and delivers.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The API version of the events (and objects) this sandbox speaks: the one stripe 23 pins. */
export const SANDBOX_API_VERSION = '2026-10-28.endive';
const DAY_SECONDS = 86_400;
/** How long Stripe's dunning waits before the next attempt in this sandbox (Smart Retries vary; 3 days is typical). */
const RETRY_AFTER_SECONDS = 3 * DAY_SECONDS;
/** Card numbers of Stripe's test mode: this one is declined (generic_decline); any other valid-looking number pays. */
export const DECLINED_CARD = '4000000000000002';

type StripeObject = Record<string, any>;
const fixtures = JSON.parse(readFileSync(new URL('./fixtures.json', import.meta.url), 'utf8')) as Record<string, StripeObject>;
const from = (resource: string, values: StripeObject): StripeObject => ({ ...structuredClone(fixtures[resource]), ...values });
const copy = <T>(value: T): T => structuredClone(value);

/** Stripe-looking ids: a prefix and 24 alphanumerics. */
export const stripeId = (prefix: string) =>
  `${prefix}_${randomBytes(24).toString('base64').replace(/[^A-Za-z0-9]/g, '').padEnd(24, '0').slice(0, 24)}`;

/** The sandbox's catalogue: a product per paid tier, monthly and yearly prices (what npm start configures as STRIPE_PRICES). */
export const SANDBOX_PRICES = {
  basic: { month: 'price_basic_monthly', year: 'price_basic_yearly' },
  premium: { month: 'price_premium_monthly', year: 'price_premium_yearly' },
} as const;
const CATALOGUE = [
  { tier: 'basic', name: 'StreamVibe Basic', month: 999, year: 9_990 },
  { tier: 'premium', name: 'StreamVibe Premium', month: 2_999, year: 29_990 },
] as const;

/** An error as Stripe answers it: status and `{ error: { type, code, message, param } }`. */
export class StripeApiError extends Error {
  constructor(readonly status: number, readonly body: { type: string; code?: string; message: string; param?: string }) {
    super(body.message);
  }
}
export const missing = (kind: string, id: string, param = 'id') => new StripeApiError(404, {
  type: 'invalid_request_error', code: 'resource_missing', param, message: `No such ${kind}: '${id}'`,
});
export const invalid = (param: string, message: string, code = 'parameter_invalid_string') =>
  new StripeApiError(400, { type: 'invalid_request_error', code, param, message });

export class StripeSandboxState {
  readonly customers = new Map<string, StripeObject>();
  readonly prices = new Map<string, StripeObject>();
  readonly sessions = new Map<string, StripeObject>();
  readonly portalSessions = new Map<string, StripeObject>();
  readonly subscriptions = new Map<string, StripeObject>();
  readonly invoices = new Map<string, StripeObject>();
  /** Every event emitted, oldest first. */
  readonly events: StripeObject[] = [];
  /** Seconds added to the clock (tests move time: a period ends, a retry comes). */
  offsetSeconds = 0;

  constructor(private readonly baseUrl: () => string, private readonly emitted: (event: StripeObject) => void) {
    for (const product of CATALOGUE) {
      const productId = `prod_${product.tier}`;
      for (const interval of ['month', 'year'] as const) {
        const id = SANDBOX_PRICES[product.tier][interval];
        this.prices.set(id, from('price', {
          id, product: productId, nickname: `${product.name} (${interval}ly)`, unit_amount: product[interval], unit_amount_decimal: String(product[interval]),
          currency: 'usd', lookup_key: `${product.tier}_${interval}ly`, created: this.now(), active: true, type: 'recurring',
          recurring: { interval, interval_count: 1, meter: null, usage_type: 'licensed', trial_period_days: null },
        }));
      }
    }
  }

  now(): number {
    return Math.floor(Date.now() / 1000) + this.offsetSeconds;
  }

  createCustomer(params: StripeObject): StripeObject {
    const customer = from('customer', {
      id: stripeId('cus'), created: this.now(), email: params.email ?? null, name: params.name ?? null, metadata: params.metadata ?? {},
      description: params.description ?? null, livemode: false, balance: 0, delinquent: false, test_clock: null,
    });
    this.customers.set(customer.id, customer);
    return copy(customer);
  }

  customer(id: string): StripeObject {
    const customer = this.customers.get(id);
    if (!customer) throw missing('customer', id);
    return customer;
  }

  price(id: unknown, param: string): StripeObject {
    const price = typeof id === 'string' ? this.prices.get(id) : undefined;
    if (!price) throw missing('price', String(id), param);
    return price;
  }

  createCheckoutSession(params: StripeObject): StripeObject {
    if (params.mode !== 'subscription') throw invalid('mode', 'This sandbox creates Checkout Sessions in subscription mode only.', 'parameter_invalid_empty');
    const items = params.line_items as StripeObject[] | undefined;
    if (!Array.isArray(items) || items.length !== 1) throw invalid('line_items', 'Missing required param: line_items.', 'parameter_missing');
    const price = this.price(items[0]!.price, 'line_items[0][price]');
    if (!params.success_url) throw invalid('success_url', 'Missing required param: success_url.', 'parameter_missing');
    if (params.customer) this.customer(params.customer);
    const id = stripeId('cs_test');
    const session = from('checkout.session', {
      id, object: 'checkout.session', mode: 'subscription', status: 'open', payment_status: 'unpaid', created: this.now(),
      expires_at: this.now() + DAY_SECONDS, customer: params.customer ?? null, customer_email: params.customer_email ?? null,
      client_reference_id: params.client_reference_id ?? null, metadata: params.metadata ?? {}, subscription: null, invoice: null,
      success_url: params.success_url, cancel_url: params.cancel_url ?? null, currency: price.currency,
      amount_subtotal: price.unit_amount, amount_total: price.unit_amount, livemode: false, url: `${this.baseUrl()}/c/pay/${id}`,
      // Kept for completing the session (Stripe keeps line items and subscription_data the same way, apart from the object).
      _price: price.id, _subscription_data: params.subscription_data ?? {},
    });
    this.sessions.set(id, session);
    return publicView(session);
  }

  session(id: string): StripeObject {
    const session = this.sessions.get(id);
    if (!session) throw missing('checkout.session', id);
    return session;
  }

  /**
   * The customer paid on the hosted page: the subscription (trialing when subscription_data asks for a trial) and its
   * first invoice, paid, then the events Stripe sends in its order. A declined card changes nothing (the page says so).
   */
  completeCheckout(sessionId: string, card: string): { declined: boolean } {
    const session = this.session(sessionId);
    if (session.status !== 'open') throw invalid('session', `This Checkout Session is ${session.status}.`, 'checkout_session_not_open');
    if (card.replace(/\s/g, '') === DECLINED_CARD) return { declined: true };
    const customer = session.customer ?? this.createCustomer({ email: session.customer_email, metadata: session.metadata }).id;
    const trialDays = Number(session._subscription_data.trial_period_days ?? 0);
    const sub = this.newSubscription(customer, session._price, session._subscription_data.metadata ?? {}, trialDays);
    Object.assign(session, { status: 'complete', payment_status: 'paid', customer, subscription: sub.id, invoice: sub.latest_invoice });
    this.emit('customer.subscription.created', sub);
    this.emit('invoice.paid', this.invoices.get(sub.latest_invoice)!);
    this.emit('checkout.session.completed', publicView(session));
    return { declined: false };
  }

  private newSubscription(customer: string, priceId: string, metadata: StripeObject, trialDays = 0): StripeObject {
    const price = this.price(priceId, 'items[0][price]');
    const start = this.now();
    const end = start + (trialDays > 0 ? trialDays * DAY_SECONDS : periodSeconds(price));
    const id = stripeId('sub');
    const sub = from('subscription', {
      id, object: 'subscription', customer, status: trialDays > 0 ? 'trialing' : 'active', created: start, start_date: start,
      billing_cycle_anchor: end, cancel_at: null, cancel_at_period_end: false, canceled_at: null, ended_at: null, livemode: false,
      trial_start: trialDays > 0 ? start : null, trial_end: trialDays > 0 ? end : null, metadata, pause_collection: null,
      currency: price.currency, default_payment_method: null, latest_invoice: null, discounts: [], schedule: null, test_clock: null,
      items: {
        object: 'list', has_more: false, total_count: 1, url: `/v1/subscription_items?subscription=${id}`,
        data: [from('subscription_item', {
          id: stripeId('si'), object: 'subscription_item', created: start, subscription: id, quantity: 1, metadata: {}, discounts: [],
          price: copy(price), current_period_start: start, current_period_end: end,
        })],
      },
    });
    this.subscriptions.set(id, sub);
    sub.latest_invoice = this.newInvoice(sub, 'subscription_create', trialDays > 0 ? 0 : price.unit_amount, true).id;
    return sub;
  }

  private newInvoice(sub: StripeObject, reason: string, amount: number, paid: boolean): StripeObject {
    const item = sub.items.data[0];
    const id = stripeId('in');
    const sequence = [...this.invoices.values()].filter((i) => i.customer === sub.customer).length + 1;
    const invoice = from('invoice', {
      id, object: 'invoice', customer: sub.customer, created: this.now(), currency: sub.currency, billing_reason: reason,
      amount_due: amount, amount_paid: paid ? amount : 0, amount_remaining: paid ? 0 : amount, subtotal: amount, total: amount,
      attempt_count: 1, attempted: true, status: paid ? 'paid' : 'open', livemode: false, metadata: {},
      number: `SV${sub.customer.slice(-6).toUpperCase()}-${String(sequence).padStart(4, '0')}`,
      next_payment_attempt: paid ? null : this.now() + RETRY_AFTER_SECONDS,
      period_start: item.current_period_start, period_end: item.current_period_end,
      hosted_invoice_url: `${this.baseUrl()}/i/${id}`, invoice_pdf: `${this.baseUrl()}/i/${id}/pdf`,
      status_transitions: { finalized_at: this.now(), marked_uncollectible_at: null, paid_at: paid ? this.now() : null, voided_at: null },
      parent: { type: 'subscription_details', quote_details: null, subscription_details: { metadata: copy(sub.metadata), subscription: sub.id } },
      lines: {
        object: 'list', has_more: false, total_count: 1, url: `/v1/invoices/${id}/lines`,
        data: [{
          id: stripeId('il'), object: 'line_item', amount, currency: sub.currency, description: `1 × ${item.price.nickname}`,
          invoice: id, livemode: false, metadata: {}, quantity: 1, discountable: true, discounts: [], discount_amounts: [],
          period: { start: item.current_period_start, end: item.current_period_end },
          parent: {
            type: 'subscription_item_details', invoice_item_details: null,
            subscription_item_details: { invoice_item: null, proration: false, proration_details: { credited_items: null }, subscription: sub.id, subscription_item: item.id },
          },
          pricing: { type: 'price_details', price_details: { price: item.price.id, product: item.price.product }, unit_amount_decimal: String(item.price.unit_amount) },
        }],
      },
    });
    this.invoices.set(id, invoice);
    return invoice;
  }

  subscription(id: string): StripeObject {
    const sub = this.subscriptions.get(id);
    if (!sub) throw missing('subscription', id);
    return sub;
  }

  /** The subscription as GET /v1/subscriptions/:id answers it, `latest_invoice` expanded when asked. */
  retrieveSubscription(id: string, expand: string[] = []): StripeObject {
    const sub = copy(this.subscription(id));
    if (expand.includes('latest_invoice') && sub.latest_invoice) sub.latest_invoice = copy(this.invoices.get(sub.latest_invoice));
    return sub;
  }

  /** POST /v1/subscriptions/:id (and the portal): a new price (at once, with proration as Stripe's default), cancel at period end, or undo it. */
  updateSubscription(id: string, params: StripeObject): StripeObject {
    const sub = this.subscription(id);
    if (sub.status === 'canceled') throw invalid('subscription', 'A canceled subscription can only update its cancellation_details and metadata.', 'resource_missing');
    const before = copy(sub);
    const item = sub.items.data[0];
    const newPrice = (params.items as StripeObject[] | undefined)?.[0]?.price;
    if (newPrice !== undefined) item.price = copy(this.price(newPrice, 'items[0][price]'));
    if (params.cancel_at_period_end !== undefined) {
      sub.cancel_at_period_end = params.cancel_at_period_end === true || params.cancel_at_period_end === 'true';
      sub.cancel_at = sub.cancel_at_period_end ? item.current_period_end : null;
      sub.canceled_at = sub.cancel_at_period_end ? this.now() : null;
    }
    if (params.metadata) sub.metadata = { ...sub.metadata, ...params.metadata };
    this.emit('customer.subscription.updated', sub, previousAttributes(before, sub));
    return copy(sub);
  }

  /** DELETE /v1/subscriptions/:id (or the end of a period with cancel_at_period_end): canceled now. */
  cancelSubscription(id: string): StripeObject {
    const sub = this.subscription(id);
    if (sub.status === 'canceled') throw invalid('subscription', `No such subscription: '${id}' (already canceled)`, 'resource_missing');
    Object.assign(sub, { status: 'canceled', ended_at: this.now(), canceled_at: sub.canceled_at ?? this.now() });
    this.emit('customer.subscription.deleted', sub);
    return copy(sub);
  }

  /** Pausing (status paused, as at the end of a trial without a payment method) and resuming: the event, then the update. */
  pause(id: string): StripeObject {
    return this.setStatus(id, 'paused', 'customer.subscription.paused');
  }

  resume(id: string): StripeObject {
    return this.setStatus(id, 'active', 'customer.subscription.resumed');
  }

  private setStatus(id: string, status: string, event: string): StripeObject {
    const sub = this.subscription(id);
    const before = copy(sub);
    sub.status = status;
    this.emit(event, sub);
    this.emit('customer.subscription.updated', sub, previousAttributes(before, sub));
    return copy(sub);
  }

  /** Three days before a trial ends, Stripe says so. */
  trialWillEnd(id: string): void {
    this.emit('customer.subscription.trial_will_end', this.subscription(id));
  }

  /**
   * The period ends (the clock moves to its end): a subscription set to cancel ends; else the next period starts and its
   * invoice is charged — paid, or failed (past_due, Stripe retries in 3 days; `final`: no retry is left).
   */
  endPeriod(id: string, outcome: { fail?: boolean; final?: boolean } = {}): StripeObject {
    const sub = this.subscription(id);
    const item = sub.items.data[0];
    this.offsetSeconds += Math.max(item.current_period_end - this.now(), 0);
    if (sub.cancel_at_period_end) return this.cancelSubscription(id);
    const before = copy(sub);
    Object.assign(item, { current_period_start: item.current_period_end, current_period_end: item.current_period_end + periodSeconds(item.price) });
    const invoice = this.newInvoice(sub, 'subscription_cycle', item.price.unit_amount, !outcome.fail);
    sub.latest_invoice = invoice.id;
    if (outcome.fail) {
      if (outcome.final) invoice.next_payment_attempt = null;
      sub.status = 'past_due';
      this.emit('invoice.payment_failed', invoice);
    } else {
      sub.status = 'active';
      this.emit('invoice.paid', invoice);
    }
    this.emit('customer.subscription.updated', sub, previousAttributes(before, sub));
    return copy(sub);
  }

  /** Stripe's next attempt at the latest invoice: paid (active again) or failed again (`final`: the last attempt). */
  retryPayment(id: string, outcome: { fail?: boolean; final?: boolean } = {}): StripeObject {
    const sub = this.subscription(id);
    const invoice = this.invoices.get(sub.latest_invoice)!;
    const before = copy(sub);
    invoice.attempt_count += 1;
    if (outcome.fail) {
      invoice.next_payment_attempt = outcome.final ? null : this.now() + RETRY_AFTER_SECONDS;
      this.emit('invoice.payment_failed', invoice);
      return copy(sub);
    }
    Object.assign(invoice, { status: 'paid', amount_paid: invoice.amount_due, amount_remaining: 0, next_payment_attempt: null });
    invoice.status_transitions.paid_at = this.now();
    sub.status = 'active';
    this.emit('invoice.paid', invoice);
    this.emit('customer.subscription.updated', sub, previousAttributes(before, sub));
    return copy(sub);
  }

  createPortalSession(params: StripeObject): StripeObject {
    if (!params.customer) throw invalid('customer', 'Missing required param: customer.', 'parameter_missing');
    this.customer(params.customer);
    const id = stripeId('bps');
    const session = from('billing_portal.session', {
      id, object: 'billing_portal.session', configuration: 'bpc_streamvibe_sandbox', created: this.now(), customer: params.customer,
      flow: null, livemode: false, locale: null, on_behalf_of: null, return_url: params.return_url ?? null, url: `${this.baseUrl()}/p/session/${id}`,
    });
    this.portalSessions.set(id, session);
    return copy(session);
  }

  portalSession(id: string): StripeObject {
    const session = this.portalSessions.get(id);
    if (!session) throw missing('billing_portal.session', id);
    return session;
  }

  /** The customer's subscription the portal manages: the newest one not canceled. */
  currentSubscription(customer: string): StripeObject | undefined {
    return [...this.subscriptions.values()].filter((s) => s.customer === customer && s.status !== 'canceled').at(-1);
  }

  listInvoices(customer: string | undefined, limit: number): StripeObject {
    const data = [...this.invoices.values()].filter((i) => !customer || i.customer === customer)
      .sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1)).slice(0, limit);
    return { object: 'list', data: copy(data), has_more: false, url: '/v1/invoices' };
  }

  /**
   * What `npm run stripe:trigger <event>` asks for: the objects an event needs, created or changed for the user's
   * customer (linked by metadata.user_id, as our checkout does), and that event (the others it caused are not sent).
   */
  fixtureEvent(type: string, options: { userId?: string; tier?: 'basic' | 'premium' } = {}): StripeObject {
    const price = SANDBOX_PRICES[options.tier ?? 'premium'].month;
    const metadata = options.userId ? { user_id: options.userId } : {};
    const customerId = [...this.customers.values()].find((c) => options.userId && c.metadata.user_id === options.userId)?.id
      ?? this.createCustomer({ email: 'stripe-trigger@example.com', metadata }).id;
    const existing = this.currentSubscription(customerId);
    let created: StripeObject | undefined;
    const sub = () => existing ?? (created ??= this.newSubscription(customerId, price, metadata));
    const before = this.events.length;
    switch (type) {
      case 'checkout.session.completed': {
        const session = this.createCheckoutSession({ mode: 'subscription', customer: customerId, client_reference_id: options.userId ?? null,
          line_items: [{ price }], success_url: 'https://example.com/success', subscription_data: { metadata } });
        this.completeCheckout(session.id, '4242424242424242');
        break;
      }
      case 'customer.subscription.created': this.emit(type, this.newSubscription(customerId, price, metadata)); break;
      case 'customer.subscription.updated':
        this.updateSubscription(sub().id, options.tier ? { items: [{ price }] } : { cancel_at_period_end: !sub().cancel_at_period_end });
        break;
      case 'customer.subscription.deleted': this.cancelSubscription(sub().id); break;
      case 'customer.subscription.paused': this.pause(sub().id); break;
      case 'customer.subscription.resumed': this.resume(sub().id); break;
      case 'customer.subscription.trial_will_end': {
        const trialing = existing ?? this.newSubscription(customerId, price, metadata, 14);
        this.trialWillEnd(trialing.id);
        break;
      }
      case 'invoice.paid': this.endPeriod(sub().id); break;
      case 'invoice.payment_failed': this.endPeriod(sub().id, { fail: true }); break;
      default: throw invalid('event', `This sandbox cannot trigger ${type}.`, 'parameter_unknown');
    }
    const event = this.events.slice(before).find((e) => e.type === type);
    if (!event) throw new Error(`triggering ${type} emitted no such event`);
    return event;
  }

  private emit(type: string, object: StripeObject, previous?: StripeObject): void {
    const event = from('event', {
      id: stripeId('evt'), object: 'event', api_version: SANDBOX_API_VERSION, created: this.now(), livemode: false, pending_webhooks: 1,
      request: { id: stripeId('req'), idempotency_key: null }, type,
      data: { object: publicView(object), ...(previous && Object.keys(previous).length > 0 ? { previous_attributes: previous } : {}) },
    });
    this.events.push(event);
    this.emitted(event);
  }
}

/** A period of the price's interval, in seconds (months as 30 days: the sandbox's calendar). */
const periodSeconds = (price: StripeObject) => (price.recurring.interval === 'year' ? 365 : 30) * DAY_SECONDS;

/** An object as the API shows it: a copy without the sandbox's own `_` fields. */
export function publicView(object: StripeObject): StripeObject {
  return Object.fromEntries(Object.entries(copy(object)).filter(([key]) => !key.startsWith('_')));
}

/** `data.previous_attributes` of an update: the top-level fields that changed, with their old values. */
function previousAttributes(before: StripeObject, after: StripeObject): StripeObject {
  return Object.fromEntries(Object.keys(after).filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key])).map((key) => [key, before[key]]));
}
