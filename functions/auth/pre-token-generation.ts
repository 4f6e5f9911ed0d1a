import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import type { Sql } from 'postgres';
import { asService, db } from '../_shared/db.ts';

/** A user's roles from `user_role`, sorted by name; [] for a user without roles (or without a `users` row). */
export async function rolesOf(db: Sql, userId: string): Promise<string[]> {
  const rows = await asService(db, (tx) => tx<{ role: string }[]>`
    SELECT role::text AS role FROM user_role WHERE user_id = ${userId} ORDER BY role::text COLLATE "C"`);
  return rows.map((r) => r.role);
}

type TokenEvent = Pick<PreTokenGenerationV2TriggerEvent, 'triggerSource' | 'request' | 'response'>;

/**
 * Cognito pre-token-generation trigger (V2): the user's roles in `user_role` replace Cognito's own groups as
 * `cognito:groups` in the ID and access tokens, so the authorizer, the handlers and the database policies agree,
 * and a grant or revoke takes effect at the user's next token.
 */
export async function preTokenGeneration<E extends TokenEvent>(event: E): Promise<E> {
  if (!event.triggerSource.startsWith('TokenGeneration_')) return event;
  const { sub } = event.request.userAttributes;
  if (!sub) throw new Error('pre-token-generation event without sub');
  const groupsToOverride = await rolesOf(db(), sub);
  event.response = {
    claimsAndScopeOverrideDetails: { ...event.response?.claimsAndScopeOverrideDetails, groupOverrideDetails: { groupsToOverride } },
  };
  return event;
}
