import type { PostConfirmationTriggerEvent } from 'aws-lambda';
import { asService, db } from '../_shared/db.ts';
import { logger } from '../_shared/logger.ts';

/**
 * Cognito post-confirmation trigger: creates the `users` row for the new identity (id = Cognito `sub`).
 * No subscription is created: a user without one is on the free tier. Idempotent, as Cognito may retry.
 */
export async function postConfirmation<E extends Pick<PostConfirmationTriggerEvent, 'triggerSource' | 'request'>>(event: E): Promise<E> {
  if (event.triggerSource !== 'PostConfirmation_ConfirmSignUp') return event;
  const { sub, email } = event.request.userAttributes;
  if (!sub || !email) throw new Error('post-confirmation event without sub or email');
  const created = await asService(db(), (tx) => tx`
    INSERT INTO users (id, email) VALUES (${sub}, ${email.toLowerCase()})
    ON CONFLICT (id) DO NOTHING  -- a retried trigger; a second identity with a taken email fails loudly
    RETURNING id`);
  logger.info('user confirmed', { userId: sub, created: created.length === 1 });
  return event;
}
