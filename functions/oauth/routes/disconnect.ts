import * as z from 'zod/mini';
import { asService, db } from '../../_shared/db.ts';
import { NotFoundError } from '../../_shared/errors.ts';
import { logger } from '../../_shared/logger.ts';
import { defineRoute } from '../../_shared/route.ts';
import { uuid } from '../../_shared/schemas.ts';
import { providerFor } from '../config.ts';
import { deleteQuietly } from '../connections.ts';
import { ProviderError, type Platform } from '../providers/port.ts';
import { tokenVault } from '../vault.ts';
import { tags } from './common.ts';

export const DisconnectBody = () => z.strictObject({
  social_account_id: uuid,
  /**
   * The account's synced content: `keep` (default) leaves it published under the creator's profile; `archive`
   * soft-deletes it (hidden from discovery, restorable by reconnecting and syncing). An account with live content
   * is never deleted (the seed's rule), only deactivated.
   */
  content: z._default(z.enum(['keep', 'archive']), 'keep'),
});
export const DisconnectResponse = () => z.object({
  social_account_id: z.string(),
  platform: z.string(),
  revoked_at_provider: z.boolean(),
  archived_items: z.number(),
});

/** Revokes the grant at the provider where it can be; a failure there never keeps the user connected. */
async function revoke(platform: Platform, secretName: string): Promise<boolean> {
  const provider = await providerFor(platform);
  if (!provider?.revoke) return false;
  try {
    await provider.revoke(await tokenVault().get(secretName));
    return true;
  } catch (error) {
    // Already revoked or expired at the provider: the grant is gone either way.
    if (error instanceof ProviderError && error.kind === 'invalid_grant') return true;
    logger.warn('revoking at the provider failed; disconnecting anyway', { platform, reason: error instanceof Error ? error.message : String(error) });
    return false;
  }
}

export const disconnectRoute = defineRoute({
  method: 'POST', path: '/oauth-disconnect', auth: 'user', tags, body: DisconnectBody, response: DisconnectResponse,
  summary: 'Disconnect one of the caller’s accounts: revoke at the provider, delete the tokens, deactivate the account',
}, async ({ claims, body }) => {
  const [account] = await asService(db(), (tx) => tx`
    SELECT a.id, p.slug AS platform, c.id AS connection_id, c.vault_secret_name, c.is_active
    FROM social_account a JOIN platform p ON p.id = a.platform_id LEFT JOIN platform_connection c ON c.id = a.connection_id
    WHERE a.id = ${body.social_account_id} AND a.user_id = ${claims.sub} AND a.deleted_at IS NULL`);
  // Someone else's account and no account look the same.
  if (!account) throw new NotFoundError('No such connected account');
  const platform = account.platform as Platform;
  const secretName = account.vault_secret_name as string | null;
  const revoked = secretName && account.is_active ? await revoke(platform, secretName) : false;
  const archived = await asService(db(), async (tx) => {
    await tx`
      UPDATE platform_connection SET is_active = false, disconnected_at = now(),
        status_id = (SELECT id FROM account_status WHERE slug = 'disconnected')
      WHERE id = ${account.connection_id}`;
    const items = body.content === 'archive' ? await tx`
      UPDATE content_item SET deleted_at = now() WHERE social_account_id = ${account.id} AND deleted_at IS NULL RETURNING 1` : [];
    await tx`
      UPDATE social_account SET deleted_at = now(), sync_enabled = false,
        status_id = (SELECT id FROM account_status WHERE slug = 'disconnected')
      WHERE id = ${account.id}`;
    return items.length;
  });
  if (secretName) await deleteQuietly(tokenVault(), secretName);
  logger.info('platform account disconnected', { platform, socialAccountId: account.id, revoked, archived });
  return { social_account_id: account.id, platform, revoked_at_provider: revoked, archived_items: archived };
});
