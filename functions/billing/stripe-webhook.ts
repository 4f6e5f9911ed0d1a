import * as z from 'zod/mini';
import { asService, sql } from '../_shared/db.ts';
import { readEnv } from '../_shared/env.ts';
import { httpHandler } from '../_shared/http.ts';
import { processLoggedEvent } from './process.ts';
import { route } from './routes/stripe-webhook.ts';
import { verifyStripeEvent } from './signature.ts';

// Comma-separated while a signing secret is being rolled.
const { STRIPE_WEBHOOK_SECRETS } = readEnv({
  STRIPE_WEBHOOK_SECRETS: z.pipe(z.string().check(z.regex(/^whsec_\S+$/, 'must be whsec_… secrets, comma-separated')),
    z.transform((s) => s.split(','))),
});

/** Verify, log once (a redelivery is acknowledged without processing), process inline; failures are retried by schedule. */
export const handler = httpHandler(route, async ({ rawBody, headers }) => {
  const event = verifyStripeEvent(rawBody, headers['stripe-signature'], STRIPE_WEBHOOK_SECRETS);
  const [logged] = await asService(sql, (tx) => tx`
    SELECT is_new, status FROM log_stripe_webhook_event(${event.id}, ${event.type}, ${tx.json(event as never)})`);
  if (!logged!.is_new) return { received: true as const, duplicate: true, status: logged!.status as string };
  return { received: true as const, duplicate: false, status: await processLoggedEvent(sql, event) };
});
