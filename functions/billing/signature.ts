import { createHmac } from 'node:crypto';
import * as z from 'zod/mini';
import { BadRequestError } from '../_shared/errors.ts';
import { stripeSdk } from './stripe.ts';

/** Stripe's default: events signed more than 5 minutes ago are replays. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export class StripeSignatureError extends BadRequestError {
  override name = 'StripeSignatureError';
}

/**
 * Verifies a `Stripe-Signature` header (`t=…,v1=…[,v1=…]`) over the raw body with any of the endpoint's secrets
 * (several while a secret rolls) through the SDK's `webhooks.constructEvent`, and returns the event, checked against
 * the envelope below. Any failure is a 400 (StripeSignatureError), before anything is stored.
 */
export async function verifyStripeEvent(rawBody: string | undefined, header: string | undefined, secrets: string[],
  nowMs = Date.now()): Promise<StripeEvent> {
  if (!rawBody || !header) throw new StripeSignatureError('Missing payload or Stripe-Signature header');
  const { webhooks, errors } = await stripeSdk();
  let failure: Error | undefined;
  for (const secret of secrets) {
    try {
      const event = StripeEvent.safeParse(webhooks.constructEvent(rawBody, header, secret, SIGNATURE_TOLERANCE_SECONDS, undefined, nowMs));
      if (!event.success) throw new StripeSignatureError('The payload is not a Stripe event');
      return event.data;
    } catch (error) {
      if (error instanceof StripeSignatureError) throw error;
      if (error instanceof SyntaxError) throw new StripeSignatureError('The payload is not JSON');
      if (!(error instanceof errors.StripeSignatureVerificationError)) throw error;
      failure = error;
    }
  }
  throw new StripeSignatureError(/tolerance/i.test(failure?.message ?? '') ? 'Timestamp outside the tolerance zone' : 'No signature matches the payload');
}

/**
 * A Stripe event as this endpoint reads it (and the OpenAPI document shows it): the envelope is checked, the object is
 * whatever the event type carries, and fields Stripe adds later pass through.
 */
export const StripeEvent = z.looseObject({
  id: z.string().check(z.minLength(1)),
  object: z.literal('event'),
  type: z.string().check(z.minLength(1)).check(z.describe('e.g. checkout.session.completed, customer.subscription.updated')),
  created: z.number().check(z.int()),
  api_version: z.optional(z.nullable(z.string())),
  livemode: z.optional(z.boolean()),
  data: z.looseObject({
    object: z.record(z.string(), z.unknown()),
    previous_attributes: z.optional(z.record(z.string(), z.unknown())),
  }),
});
export type StripeEvent = z.output<typeof StripeEvent>;

/** The header Stripe signs every delivery with: `t=<unix seconds>,v1=<hex HMAC-SHA256>[,v1=…]`. */
export const StripeSignatureHeaders = z.object({
  'stripe-signature': z.string('Missing Stripe-Signature header').check(z.minLength(1), z.maxLength(1024))
    .check(z.describe('t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>"> (several v1 while a secret rolls)')),
});

/** The header Stripe sends for `payload` signed with `secret` (like stripe-node's generateTestHeaderString). */
export function signStripePayload(payload: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${payload}`).digest('hex')}`;
}
