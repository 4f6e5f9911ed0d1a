import { createHmac, timingSafeEqual } from 'node:crypto';
import { BadRequestError } from '../_shared/errors.ts';

/** Stripe's default: events signed more than 5 minutes ago are replays. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export class StripeSignatureError extends BadRequestError {
  override name = 'StripeSignatureError';
}

/**
 * Verifies a `Stripe-Signature` header (`t=…,v1=…[,v1=…]`) over the raw body with any of the endpoint's secrets
 * (several while a secret rolls) and returns the parsed event. Same rules as stripe-node's constructEvent.
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
  let event: unknown;
  try {
    event = JSON.parse(rawBody);
  } catch {
    throw new StripeSignatureError('The payload is not JSON');
  }
  const e = (event ?? {}) as Partial<StripeEvent>;
  if (typeof e !== 'object' || typeof e.id !== 'string' || typeof e.type !== 'string' || e.object !== 'event'
    || typeof e.data !== 'object' || e.data === null) {
    throw new StripeSignatureError('The payload is not a Stripe event');
  }
  return e as StripeEvent;
}

export interface StripeEvent {
  id: string;
  object: 'event';
  type: string;
  created: number;
  api_version?: string;
  livemode?: boolean;
  data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
}

/** The header Stripe sends for `payload` signed with `secret` (like stripe-node's generateTestHeaderString). */
export function signStripePayload(payload: string, secret: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${payload}`).digest('hex')}`;
}
