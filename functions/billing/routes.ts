import * as z from 'zod/mini';
import { documented } from '../_shared/route.ts';
import { route as stripeWebhook } from './routes/stripe-webhook.ts';

/**
 * The billing routes as the manifest, the local gateway and the OpenAPI document see them (with their responses);
 * each handler imports its own module under routes/.
 */
export const routes = {
  stripeWebhook: documented(stripeWebhook, z.object({ received: z.literal(true), duplicate: z.boolean(), status: z.string() })),
};
