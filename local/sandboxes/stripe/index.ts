/**
 * The Stripe sandbox: the API endpoints StreamVibe calls (customers, Checkout Sessions, billing portal sessions,
 * subscriptions, invoices) at Stripe's paths, with its form-encoded requests, bearer API key, idempotency keys, `expand`
 * and error bodies; the hosted Checkout and Customer Portal pages a person completes in a browser; and signed webhook
 * deliveries of every event to the local API. The `stripe` SDK reaches it through its own `host`/`port`/`protocol`
 * options (functions/billing/stripe.ts, STRIPE_API_BASE_URL). Tests drive it in-process (`state`, `deliveries`).
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkoutPage, portalPage } from './pages.ts';
import { parseForm } from './form.ts';
import { SANDBOX_PRICES, StripeApiError, StripeSandboxState, invalid, publicView, stripeId } from './state.ts';

export { DECLINED_CARD, SANDBOX_PRICES, StripeSandboxState } from './state.ts';
export const SANDBOX_API_KEY = 'sk_test_streamvibe_sandbox';

export interface StripeSandboxOptions {
  port?: number;
  apiKey?: string;
  /** Where events are delivered (the local API's /stripe-webhook), and the endpoint secret they are signed with. */
  webhook?: { url: string; secret: string };
  /**
   * `auto` (default): each event is delivered as it happens, in order. `manual`: events wait in `deliveries.pending`
   * until a test takes them (to deliver them late, twice or out of order).
   */
  delivery?: 'auto' | 'manual';
}

export interface StripeSandbox {
  url: string;
  apiKey: string;
  state: StripeSandboxState;
  /** The price ids of the catalogue, as STRIPE_PRICES takes them. */
  prices: typeof SANDBOX_PRICES;
  setWebhook(webhook: { url: string; secret: string }): void;
  deliveries: {
    mode: 'auto' | 'manual';
    /** Events not delivered yet (manual mode). */
    pending: Record<string, any>[];
    /** Takes the pending events (manual mode). */
    take(): Record<string, any>[];
    /** Resolves when every event so far was delivered (auto mode). */
    settled(): Promise<void>;
    /** Each delivery: the event's id and type, and the API's status. */
    log: { id: string; type: string; status: number }[];
  };
  /** Requests received: method, path and status. */
  calls: { method: string; path: string; status: number }[];
  /** The next `times` API calls to `method path` answer Stripe's 500 api_error (an outage) instead. */
  inject(fault: { method: string; path: string; times?: number }): void;
  stop(): Promise<void>;
}

/** The `Stripe-Signature` header Stripe sends: `t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export const stripeSignature = (payload: string, secret: string, timestamp = Math.floor(Date.now() / 1000)) =>
  `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${payload}`).digest('hex')}`;

export async function startStripeSandbox(options: StripeSandboxOptions = {}): Promise<StripeSandbox> {
  const apiKey = options.apiKey ?? SANDBOX_API_KEY;
  let webhook = options.webhook;
  let baseUrl = '';
  let chain = Promise.resolve();
  const calls: StripeSandbox['calls'] = [];
  const deliveries: StripeSandbox['deliveries'] = {
    mode: options.delivery ?? 'auto', pending: [], log: [],
    take: () => deliveries.pending.splice(0),
    settled: () => chain,
  };
  const deliver = async (event: Record<string, any>) => {
    if (!webhook) return;
    const payload = JSON.stringify(event, null, 2);
    const response = await fetch(webhook.url, {
      method: 'POST', body: payload,
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        'stripe-signature': stripeSignature(payload, webhook.secret) },
    }).catch(() => undefined);
    await response?.arrayBuffer();
    deliveries.log.push({ id: event.id, type: event.type, status: response?.status ?? 0 });
  };
  // The events a trigger causes are the script's to send (it signs and sends the one asked for), not the sandbox's.
  let muted = false;
  const state = new StripeSandboxState(() => baseUrl, (event) => {
    if (muted) return;
    if (deliveries.mode === 'manual') deliveries.pending.push(event);
    else chain = chain.then(() => deliver(event));
  });
  const idempotency = new Map<string, { params: string; status: number; body: unknown }>();
  const faults: { method: string; path: string; times: number }[] = [];

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => send(res, 500, { error: { type: 'api_error', message: String(error) } }));
  });
  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const body = await readBody(req);
    const method = req.method ?? 'GET';
    const record = (status: number) => calls.push({ method, path: url.pathname, status });
    if (url.pathname.startsWith('/v1/')) {
      const params = method === 'GET' ? parseForm(url.search.slice(1)) : parseForm(body);
      const result = await api(method, url.pathname, params, req);
      record(result.status);
      return send(res, result.status, result.body, result.headers);
    }
    const page = pages(method, url.pathname, body);
    record(page.status);
    if (page.location) {
      res.writeHead(303, { location: page.location });
      return res.end();
    }
    if (page.json !== undefined) return send(res, page.status, page.json);
    res.writeHead(page.status, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page.html);
  }

  /** The API: key check, idempotency, the endpoints, Stripe's error bodies. */
  async function api(method: string, path: string, params: Record<string, any>, req: IncomingMessage) {
    const requestId = stripeId('req');
    const headers = { 'request-id': requestId, 'stripe-version': String(req.headers['stripe-version'] ?? '2026-10-28.endive') };
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (bearer !== apiKey) {
      const shown = bearer ? `${bearer.slice(0, 8)}${'*'.repeat(Math.max(bearer.length - 12, 0))}${bearer.slice(-4)}` : '';
      return { status: 401, headers, body: { error: { type: 'invalid_request_error', message: bearer
        ? `Invalid API Key provided: ${shown}` : 'You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. \'Authorization: Bearer YOUR_SECRET_KEY\').' } } };
    }
    const fault = faults.find((f) => f.method === method && f.path === path && f.times > 0);
    if (fault) {
      fault.times -= 1;
      return { status: 500, headers, body: { error: { type: 'api_error', message: 'An unknown error occurred' } } };
    }
    const key = method === 'POST' ? req.headers['idempotency-key'] : undefined;
    const fingerprint = JSON.stringify([path, params]);
    if (typeof key === 'string') {
      const seen = idempotency.get(key);
      if (seen && seen.params !== fingerprint) {
        return { status: 400, headers, body: { error: { type: 'idempotency_error', message:
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.` } } };
      }
      if (seen) return { status: seen.status, headers: { ...headers, 'idempotent-replayed': 'true', 'original-request': requestId }, body: seen.body };
    }
    let status = 200;
    let body: unknown;
    try {
      body = route(method, path, params);
    } catch (error) {
      if (!(error instanceof StripeApiError)) throw error;
      status = error.status;
      body = { error: { ...error.body, doc_url: error.body.code ? `https://stripe.com/docs/error-codes/${error.body.code.replaceAll('_', '-')}` : undefined,
        request_log_url: `https://dashboard.stripe.com/test/logs/${requestId}` } };
    }
    if (typeof key === 'string' && status < 500) idempotency.set(key, { params: fingerprint, status, body });
    return { status, headers: { ...headers, ...(typeof key === 'string' ? { 'idempotency-key': key } : {}) }, body };
  }

  function route(method: string, path: string, params: Record<string, any>): unknown {
    const expand = Object.values(params.expand ?? {}) as string[];
    const match = (pattern: RegExp) => pattern.exec(path)?.[1];
    if (method === 'POST' && path === '/v1/customers') return state.createCustomer(params);
    if (method === 'GET' && match(/^\/v1\/customers\/([^/]+)$/)) return publicView(state.customer(match(/^\/v1\/customers\/([^/]+)$/)!));
    if (method === 'POST' && path === '/v1/checkout/sessions') return state.createCheckoutSession({ ...params, line_items: Object.values(params.line_items ?? {}) });
    if (method === 'GET' && match(/^\/v1\/checkout\/sessions\/([^/]+)$/)) return publicView(state.session(match(/^\/v1\/checkout\/sessions\/([^/]+)$/)!));
    if (method === 'POST' && path === '/v1/billing_portal/sessions') return state.createPortalSession(params);
    const subscription = match(/^\/v1\/subscriptions\/([^/]+)$/);
    if (subscription && method === 'GET') return state.retrieveSubscription(subscription, expand);
    if (subscription && method === 'POST') return state.updateSubscription(subscription, { ...params, items: params.items && Object.values(params.items) });
    if (subscription && method === 'DELETE') return state.cancelSubscription(subscription);
    if (method === 'GET' && path === '/v1/invoices') {
      const limit = Number(params.limit ?? 10);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalid('limit', 'Invalid integer: limit must be between 1 and 100.', 'parameter_invalid_integer');
      if (params.customer) state.customer(params.customer);
      return state.listInvoices(params.customer, limit);
    }
    throw new StripeApiError(404, { type: 'invalid_request_error',
      message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.` });
  }

  /** The hosted pages (Checkout, the portal) and the control endpoint `npm run stripe:trigger` uses. */
  function pages(method: string, path: string, body: string): { status: number; html?: string; location?: string; json?: unknown } {
    const form = new URLSearchParams(body);
    try {
      const checkout = /^\/c\/pay\/([^/]+)$/.exec(path)?.[1];
      if (checkout) {
        const session = state.session(checkout);
        if (method === 'POST') {
          const { declined } = state.completeCheckout(checkout, form.get('card') ?? '');
          if (!declined) return { status: 303, location: String(session.success_url).replace('{CHECKOUT_SESSION_ID}', session.id) };
          return { status: 402, html: checkoutPage(session, state.prices.get(session._price)!, 'Your card was declined. Try another card.') };
        }
        return { status: 200, html: checkoutPage(session, state.prices.get(session._price)!) };
      }
      const portal = /^\/p\/session\/([^/]+)$/.exec(path)?.[1];
      if (portal) {
        const session = state.portalSession(portal);
        const sub = state.currentSubscription(session.customer);
        if (method === 'POST' && sub) {
          const action = form.get('action');
          if (action === 'switch') state.updateSubscription(sub.id, { items: [{ price: form.get('price') }] });
          else if (action === 'cancel') state.updateSubscription(sub.id, { cancel_at_period_end: true });
          else if (action === 'renew') state.updateSubscription(sub.id, { cancel_at_period_end: false });
          return { status: 303, location: `${baseUrl}${path}` };
        }
        return { status: 200, html: portalPage(session, sub, [...state.prices.values()]) };
      }
      if (method === 'POST' && path === '/_sandbox/trigger') {
        const request = JSON.parse(body || '{}') as { event?: string; user_id?: string; tier?: 'basic' | 'premium' };
        muted = true;
        try {
          return { status: 200, json: state.fixtureEvent(String(request.event), { userId: request.user_id, tier: request.tier }) };
        } finally {
          muted = false;
        }
      }
      return { status: 404, html: '<!doctype html><title>Not found</title><p>No such page in the Stripe sandbox.</p>' };
    } catch (error) {
      if (!(error instanceof StripeApiError)) throw error;
      if (path.startsWith('/_sandbox/')) return { status: error.status, json: { error: error.body } };
      return { status: error.status, html: `<!doctype html><title>Stripe sandbox</title><p>${escapeHtml(error.message)}</p>` };
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: baseUrl, apiKey, state, prices: SANDBOX_PRICES, calls, deliveries,
    setWebhook: (value) => { webhook = value; },
    inject: (fault) => { faults.push({ times: 1, ...fault }); },
    stop: async () => {
      await chain;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body, null, 2));
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

