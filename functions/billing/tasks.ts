import { asService, db } from '../_shared/db.ts';
import { defineTask } from '../_shared/task.ts';
import { processLoggedEvent } from './process.ts';
import type { StripeEvent } from './signature.ts';

const RETRY_BATCH = 50;
const TRANSITIONS_BATCH = 500;

/** Webhook retry (every 15 minutes): events whose backoff elapsed, or whose attempt died, are processed again. */
export async function retryStripeWebhooks(): Promise<{ retried: number; processed: number }> {
  const due = await asService(db(), (tx) => tx`SELECT payload FROM retry_failed_webhooks(${RETRY_BATCH})`);
  let processed = 0;
  for (const { payload } of due) {
    if ((await processLoggedEvent(db(), payload as StripeEvent)) === 'processed') processed += 1;
  }
  return { retried: due.length, processed };
}

/**
 * Subscription changes whose time came (billing.apply_due_subscription_changes, migration 021): downgrades at the end
 * of the paid period and past-due grace periods that ended, should Stripe's event for them come late.
 */
export async function applyDueSubscriptionChanges(): Promise<{ changed: number }> {
  const [row] = await asService(db(), (tx) => tx`SELECT billing.apply_due_subscription_changes(${TRANSITIONS_BATCH}) AS changed`);
  return { changed: row!.changed as number };
}

/** The billing feature's schedules. */
export const tasks = [
  defineTask({ name: 'stripe-webhook-retry', everyMinutes: 15, description: 'Processes Stripe events whose earlier attempt failed or died' },
    retryStripeWebhooks),
  defineTask({ name: 'billing-transitions', everyMinutes: 15, description: 'Applies downgrades at period end and ends past-due grace periods' },
    applyDueSubscriptionChanges),
];
