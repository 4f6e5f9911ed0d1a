import type Stripe from 'stripe';
import * as z from 'zod/mini';
import { secretSetting } from '../_shared/secrets.ts';
import { billingConfig } from './config.ts';

/** STRIPE_API_KEY (Secrets Manager, named by STRIPE_API_KEY_SECRET_ARN): the stage's secret or restricted key. */
export const stripeApiKey = secretSetting('STRIPE_API_KEY',
  z.string().check(z.regex(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, 'must be a Stripe secret or restricted key (sk_… or rk_…)')));

let sdk: Promise<typeof Stripe> | undefined;
/**
 * Stripe's own SDK (`stripe`), for its pinned API version (the one this code reads: `current_period_*` on subscription
 * items), typed objects, network retries with idempotency keys and the webhook signature helper. Imported on first
 * use: a cold start that calls no Stripe API does not evaluate it (`npm run bundle:sizes` measures what it costs).
 */
const stripeSdk = (): Promise<typeof Stripe> => (sdk ??= import('stripe').then((m) => m.default));

let client: { key: string; stripe: Stripe } | undefined;
/** The Stripe client, made on first use and again when the key in Secrets Manager changes (a rolled key). */
export async function stripe(): Promise<Stripe> {
  const key = await stripeApiKey();
  if (client?.key === key) return client.stripe;
  const StripeSdk = await stripeSdk();
  const base = billingConfig().STRIPE_API_BASE_URL;
  const sandbox = base === undefined ? undefined : new URL(base);
  client = {
    key,
    stripe: new StripeSdk(key, {
      maxNetworkRetries: 2, timeout: 8_000, telemetry: false,
      // A sandbox (npm start, tests) at STRIPE_API_BASE_URL: the SDK's own host, port and protocol options.
      ...(sandbox ? {
        host: sandbox.hostname, protocol: sandbox.protocol === 'https:' ? 'https' : 'http',
        port: Number(sandbox.port || (sandbox.protocol === 'https:' ? 443 : 80)),
      } : {}),
    }),
  };
  return client.stripe;
}

/** Stripe's "no such object" (a 404 `resource_missing`), which a retry cannot fix. */
export const isMissing = (error: unknown) => (error as { statusCode?: number; code?: string } | null)?.statusCode === 404;
