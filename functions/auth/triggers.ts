import type { PostConfirmationTriggerEvent, PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { db } from '../_shared/db.ts';
import { postConfirmation } from './post-confirmation.ts';
import { preTokenGeneration } from './pre-token-generation.ts';

type TriggerEvent = Pick<PostConfirmationTriggerEvent, 'triggerSource' | 'request'>
  | Pick<PreTokenGenerationV2TriggerEvent, 'triggerSource' | 'request' | 'response'>;

db();
/**
 * The auth feature's Lambda: every Cognito user-pool trigger the manifest wires to it (the local identity invokes it the
 * same way), dispatched on the event's triggerSource; a source it does not handle is returned unchanged, as Cognito expects.
 */
export async function handler<E extends TriggerEvent>(event: E): Promise<E> {
  if (event.triggerSource.startsWith('PostConfirmation_')) return postConfirmation(event as E & PostConfirmationTriggerEvent);
  if (event.triggerSource.startsWith('TokenGeneration_')) return preTokenGeneration(event as E & PreTokenGenerationV2TriggerEvent);
  return event;
}
