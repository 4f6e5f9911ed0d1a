import { asService, sql } from '../_shared/db.ts';
import { processLoggedEvent } from './process.ts';
import type { StripeEvent } from './signature.ts';

const RETRY_BATCH = 50;

/** Webhook retry (every 15 minutes): events whose backoff elapsed, or whose attempt died, are processed again. */
export async function retryStripeWebhooks(): Promise<{ retried: number; processed: number }> {
  const due = await asService(sql, (tx) => tx`SELECT payload FROM retry_failed_webhooks(${RETRY_BATCH})`);
  let processed = 0;
  for (const { payload } of due) {
    if ((await processLoggedEvent(sql, payload as StripeEvent)) === 'processed') processed += 1;
  }
  return { retried: due.length, processed };
}
