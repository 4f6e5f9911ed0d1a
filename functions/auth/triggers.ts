import { db } from '../_shared/db.ts';
import { postConfirmation } from './post-confirmation.ts';

type TriggerEvent = Parameters<typeof postConfirmation>[0];

db();
/**
 * The auth feature's Lambda: every Cognito user-pool trigger the manifest wires to it (the local identity invokes it the
 * same way), dispatched on the event's triggerSource; sources it does not handle are returned unchanged, as Cognito expects.
 */
export async function handler<E extends TriggerEvent>(event: E): Promise<E> {
  if (event.triggerSource.startsWith('PostConfirmation_')) return postConfirmation(event);
  return event;
}
