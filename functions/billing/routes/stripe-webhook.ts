import * as z from 'zod/mini';
import { asService, db } from '../../_shared/db.ts';
import { BadRequestError } from '../../_shared/errors.ts';
import { logger } from '../../_shared/logger.ts';
import { defineRoute } from '../../_shared/route.ts';
import { nulPath } from '../../_shared/schemas.ts';
import { secretSetting } from '../../_shared/secrets.ts';
import { processLoggedEvent } from '../process.ts';
import { StripeEvent, StripeSignatureHeaders, verifyStripeEvent } from '../signature.ts';

/**
 * STRIPE_WEBHOOK_SECRETS (Secrets Manager, named by STRIPE_WEBHOOK_SECRETS_SECRET_ARN): the endpoint's signing
 * secrets, comma-separated while a secret is being rolled.
 */
export const webhookSecrets = secretSetting('STRIPE_WEBHOOK_SECRETS',
  z.pipe(z.string().check(z.regex(/^whsec_\S+$/, 'must be whsec_… secrets, comma-separated')), z.transform((s) => s.split(','))));

const StripeWebhookResponse = () => z.object({ received: z.literal(true), duplicate: z.boolean(), status: z.string() });

/** Verify, log once (a redelivery is acknowledged without processing), process inline; failures are retried by schedule. */
export const stripeWebhookRoute = defineRoute({
  method: 'POST', path: '/stripe-webhook', auth: 'webhook', tags: ['Billing'], response: StripeWebhookResponse,
  headers: () => StripeSignatureHeaders, signedBody: () => StripeEvent,
  summary: 'Stripe events (signature-verified, idempotent on the event id): the subscription Stripe holds sets the tier and quota cycle',
}, async ({ rawBody, headers }) => {
  const event = verifyStripeEvent(rawBody, headers['stripe-signature'], await webhookSecrets());
  // jsonb cannot store NUL: logging the event would fail on every retry Stripe makes, so it is refused, once, here.
  const nulAt = nulPath(event);
  if (nulAt !== undefined) {
    logger.warn('stripe event refused: it contains a NUL character', { eventId: event.id, type: event.type, path: nulAt });
    throw new BadRequestError('The event contains a NUL character, which cannot be stored', [{ path: nulAt, message: 'must not contain NUL characters' }]);
  }
  const [logged] = await asService(db(), (tx) => tx`
    SELECT is_new, status FROM log_stripe_webhook_event(${event.id}, ${event.type}, ${tx.json(event as never)})`);
  if (!logged!.is_new) return { received: true as const, duplicate: true, status: logged!.status as string };
  return { received: true as const, duplicate: false, status: await processLoggedEvent(db(), event) };
});
