import * as z from 'zod/mini';
import { defineRoute } from '../_shared/route.ts';

export const routes = {
  stripeWebhook: defineRoute({
    method: 'POST', path: '/stripe-webhook', auth: 'webhook', tags: ['Billing'],
    summary: 'Stripe events (signature-verified, idempotent on the event id): subscriptions set the tier and quota cycle',
    response: z.object({ received: z.literal(true), duplicate: z.boolean(), status: z.string() }),
  }),
};
