import { defineRoute } from '../../_shared/route.ts';

export const route = defineRoute({
  method: 'POST', path: '/stripe-webhook', auth: 'webhook', tags: ['Billing'],
  summary: 'Stripe events (signature-verified, idempotent on the event id): subscriptions set the tier and quota cycle',
});
