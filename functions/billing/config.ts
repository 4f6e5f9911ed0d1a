import * as z from 'zod/mini';
import { once, readEnv } from '../_shared/env.ts';
import { httpsUrl } from '../_shared/schemas.ts';

const priceId = z.string().check(z.regex(/^price_[A-Za-z0-9_]+$/, 'must be a Stripe price id (price_…)'));
const tierPrices = z.strictObject({ month: z.optional(priceId), year: z.optional(priceId) });

/** The stage's Stripe prices per paid tier and interval: `{"basic": {"month": "price_…", "year": "price_…"}, "premium": {…}}`. */
export const StripePrices = z.strictObject({ basic: z.optional(tierPrices), premium: z.optional(tierPrices) });
export type StripePrices = z.output<typeof StripePrices>;

const json = z.transform((text: string, context) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    context.issues.push({ code: 'custom', input: text, message: 'must be JSON' });
    return z.NEVER;
  }
});

/**
 * The billing feature's plain settings, read once at cold start (the API key and webhook secrets are Secrets Manager
 * secrets, stripe.ts and routes/stripe-webhook.ts): STRIPE_PRICES (infra/config.ts per stage; npm start: the sandbox's
 * prices), BILLING_RETURN_URL (the web app's billing page, where Checkout and the portal send the user back), and
 * STRIPE_API_BASE_URL, set only with a sandbox (the real API otherwise).
 */
export const billingConfig = once(() => readEnv({
  STRIPE_PRICES: z.pipe(z.pipe(z.string(), json), StripePrices),
  BILLING_RETURN_URL: httpsUrl,
  STRIPE_API_BASE_URL: z.optional(httpsUrl),
}));
