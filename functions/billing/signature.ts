import { createHmac, timingSafeEqual } from 'node:crypto';
import * as z from 'zod/mini';
import { BadRequestError } from '../_shared/errors.ts';

/** Stripe's default: events signed more than 5 minutes ago are replays. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export class StripeSignatureError extends BadRequestError {
  override name = 'StripeSignatureError';
}

/**
 * Verifies a `Stripe-Signature` header (`t=…,v1=…[,v1=…]`) over the raw body with any of the endpoint's secrets
 * (several while a secret rolls) and returns the parsed event. Same rules as stripe-node's `webhooks.constructEvent`
 * (test/billing-signature.test.ts holds the two to the same answers), without loading the SDK: evaluating `stripe`
 * took 140–190 ms here, which every cold start that verifies a delivery would pay, forged ones included; the SDK loads
 * only when an event needs Stripe's API (functions/billing/stripe.ts).
 */
export function verifyStripeEvent(rawBody: string | undefined, header: string | undefined, secrets: string[],
  nowSeconds = Math.floor(Date.now() / 1000)): StripeEvent {
  if (!rawBody || !header) throw new StripeSignatureError('Missing payload or Stripe-Signature header');
  const parts = header.split(',').map((p) => p.split('=') as [string, string]);
  const timestamp = Number(parts.find(([k]) => k === 't')?.[1]);
  const signatures = parts.filter(([k]) => k === 'v1').map(([, v]) => v);
  if (!Number.isInteger(timestamp) || signatures.length === 0) throw new StripeSignatureError('Malformed Stripe-Signature header');
  const matches = secrets.some((secret) => {
    const expected = createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest();
    return signatures.some((s) => /^[0-9a-f]{64}$/.test(s) && timingSafeEqual(expected, Buffer.from(s, 'hex')));
  });
  if (!matches) throw new StripeSignatureError('No signature matches the payload');
  if (nowSeconds - timestamp > SIGNATURE_TOLERANCE_SECONDS) throw new StripeSignatureError('Timestamp outside the tolerance zone');
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    throw new StripeSignatureError('The payload is not JSON');
  }
  const event = StripeEvent.safeParse(json);
  if (!event.success) throw new StripeSignatureError('The payload is not a Stripe event');
  return event.data;
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
