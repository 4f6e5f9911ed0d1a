import type { Sql } from 'postgres';
import { asService } from '../_shared/db.ts';
import { logger } from '../_shared/logger.ts';
import { applyStripeEvent } from './events.ts';
import { ensureStripePrices } from './prices.ts';
import type { StripeEvent } from './signature.ts';

/**
 * One processing attempt of a logged event: apply it and mark it processed in one transaction, or record the
 * failure (retried with backoff by the webhook retry schedule).
 */
export async function processLoggedEvent(sql: Sql, event: StripeEvent): Promise<'processed' | 'failed'> {
  try {
    // The stage's prices are mapped (once per container) before the first event is applied.
    await ensureStripePrices();
    await asService(sql, async (tx) => {
      const outcome = await applyStripeEvent(tx, event);
      await tx`SELECT mark_webhook_processed(${event.id})`;
      logger.info('stripe event processed', { eventId: event.id, type: event.type, outcome });
    });
    return 'processed';
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    logger.warn('stripe event failed; it will be retried', { eventId: event.id, type: event.type, reason });
    await asService(sql, (tx) => tx`SELECT mark_webhook_failed(${event.id}, ${reason})`);
    return 'failed';
  }
}
