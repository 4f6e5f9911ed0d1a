/**
 * `npm run stripe:trigger -- <event> [--user <user id>] [--tier basic|premium] [--api <url>] [--stripe <url>]`: what
 * `stripe trigger <event>` does, against `npm start`. The Stripe sandbox creates (or changes) the objects the event is
 * about — for the user's customer when `--user` names one, as our checkout links it (metadata.user_id) — and answers the
 * event; this script signs it with the local webhook secret and sends it to the API's /stripe-webhook, printing the
 * answer. Events: checkout.session.completed, customer.subscription.created | updated | deleted | paused | resumed |
 * trial_will_end, invoice.paid, invoice.payment_failed. Also: STRIPE_WEBHOOK_SECRET (default the local one), PORT,
 * LOCAL_STRIPE_PORT.
 */
import { parseArgs } from 'node:util';
import { signStripePayload } from '../functions/billing/signature.ts';
import { LOCAL_STRIPE_PORT, LOCAL_STRIPE_WEBHOOK_SECRET } from '../local/stack.ts';

const USAGE = 'usage: npm run stripe:trigger -- <event> [--user <user id>] [--tier basic|premium] [--api <url>] [--stripe <url>]';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { user: { type: 'string' }, tier: { type: 'string' }, api: { type: 'string' }, stripe: { type: 'string' } },
});
const [type] = positionals;
if (!type || positionals.length > 1 || (values.tier && !['basic', 'premium'].includes(values.tier))) {
  console.error(USAGE);
  process.exit(2);
}
const api = values.api ?? `http://localhost:${process.env.PORT ?? 3000}`;
const sandbox = values.stripe ?? `http://127.0.0.1:${LOCAL_STRIPE_PORT}`;

const fixture = await fetch(`${sandbox}/_sandbox/trigger`, {
  method: 'POST', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ event: type, user_id: values.user, tier: values.tier }),
}).catch((error: unknown) => {
  console.error(`the Stripe sandbox at ${sandbox} does not answer (is npm start running?): ${String(error)}`);
  process.exit(1);
});
const event = await fixture.json() as { id?: string; type?: string; error?: { message: string } };
if (!fixture.ok) {
  console.error(`the Stripe sandbox refused: ${event.error?.message ?? fixture.status}`);
  process.exit(1);
}
const payload = JSON.stringify(event, null, 2);
const delivery = await fetch(`${api}/stripe-webhook`, {
  method: 'POST', body: payload,
  headers: { 'content-type': 'application/json', 'stripe-signature': signStripePayload(payload, process.env.STRIPE_WEBHOOK_SECRET ?? LOCAL_STRIPE_WEBHOOK_SECRET) },
});
console.log(`${event.type} ${event.id} → ${delivery.status} ${await delivery.text()}`);
process.exit(delivery.ok ? 0 : 1);
