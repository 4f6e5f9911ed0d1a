import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { signStripePayload, verifyStripeEvent } from '../functions/billing/signature.ts';

const SECRET = 'whsec_signature_test';
const payload = JSON.stringify({ id: 'evt_sig_1', object: 'event', type: 'invoice.paid', created: 1, data: { object: { id: 'in_1' } } });
const now = Math.floor(Date.now() / 1000);
const sdkHeader = (options: { timestamp?: number; secret?: string; payload?: string } = {}) =>
  Stripe.webhooks.generateTestHeaderString({ payload: options.payload ?? payload, secret: options.secret ?? SECRET, timestamp: options.timestamp ?? now });

/** What each verifier answers: accepted, or refused. */
function outcomes(body: string, header: string, secrets = [SECRET]) {
  const ours = (() => { try { verifyStripeEvent(body, header, secrets, now); return 'accepted'; } catch { return 'refused'; } })();
  const sdk = secrets.some((secret) => {
    try { Stripe.webhooks.constructEvent(body, header, secret, 300, undefined, now * 1000); return true; } catch { return false; }
  }) ? 'accepted' : 'refused';
  return { ours, sdk };
}

describe('verifyStripeEvent answers as stripe-node’s webhooks.constructEvent does', () => {
  const cases: [string, string, string, string[]?][] = [
    ['a header the SDK generated', payload, sdkHeader()],
    ['our own test header', payload, signStripePayload(payload, SECRET, now)],
    ['another secret', payload, sdkHeader({ secret: 'whsec_other' })],
    ['a rolled secret (the old one still listed)', payload, sdkHeader({ secret: 'whsec_old' }), ['whsec_old', SECRET]],
    ['two v1, the second valid', payload, `${sdkHeader({ secret: 'whsec_other' })},v1=${sdkHeader().split('v1=')[1]}`],
    ['signed 301 s ago', payload, sdkHeader({ timestamp: now - 301 })],
    ['signed 299 s ago', payload, sdkHeader({ timestamp: now - 299 })],
    ['signed 10 minutes ahead (only the past is limited)', payload, sdkHeader({ timestamp: now + 600 })],
    ['a tampered body', payload.replace('in_1', 'in_2'), sdkHeader()],
    ['no v1 (v0 only)', payload, sdkHeader().replace('v1=', 'v0=')],
    ['no timestamp', payload, `v1=${sdkHeader().split('v1=')[1]}`],
    ['a signature that is not hex', payload, `t=${now},v1=zz`],
  ];
  it.each(cases)('%s', (_name, body, header, secrets) => {
    const { ours, sdk } = outcomes(body, header, secrets);
    expect(ours).toBe(sdk);
  });
});
