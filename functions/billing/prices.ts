import { asService, db } from '../_shared/db.ts';
import { billingConfig } from './config.ts';

let configured: Promise<number> | undefined;
/**
 * Maps the stage's configured Stripe prices onto the tiers (billing.configure_stripe_prices, migration 021), once per
 * container and before its first event or checkout: a fresh stage has its mapping before the first event it can
 * apply. A failure is retried by the next caller.
 */
export function ensureStripePrices(): Promise<number> {
  configured ??= asService(db(), async (tx) => {
    const [row] = await tx`SELECT billing.configure_stripe_prices(${tx.json(billingConfig().STRIPE_PRICES as never)}) AS count`;
    return row!.count as number;
  }).catch((error: unknown) => {
    configured = undefined;
    throw error;
  });
  return configured;
}
