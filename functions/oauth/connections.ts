import type { Sql } from 'postgres';
import { asService } from '../_shared/db.ts';
import { logger } from '../_shared/logger.ts';
import type { AccountIdentity, Platform, TokenSet } from './providers/port.ts';
import type { TokenVault } from './vault.ts';

/** Why a connection could not be saved: the `?error=` code the user is sent back with. */
export class ConnectError extends Error {
  override name = 'ConnectError';
  constructor(readonly code: 'limit_reached' | 'account_taken', message: string) {
    super(message);
  }
}

const isPostgresError = (error: unknown, code: string) => (error as { code?: unknown } | undefined)?.code === code;

/**
 * Saves a connection the provider just granted: the tokens into a new secret, then in one transaction the
 * platform_connection and social_account rows, created or, for an account the user had connected before, reactivated
 * (its secret replaced by the new one, deleted after the commit). If the transaction fails (the tier's limit, the
 * account belonging to another user), the new secret is deleted before the error goes on: nothing is left behind.
 */
export async function saveConnection(sql: Sql, vault: TokenVault, input: {
  userId: string; platform: Platform; tokens: TokenSet; identity: AccountIdentity;
}): Promise<{ connectionId: string; socialAccountId: string }> {
  const { userId, platform, tokens, identity } = input;
  const secretName = await vault.put(platform, tokens);
  let replacedSecret: string | undefined;
  try {
    const saved = await asService(sql, async (tx) => {
      const [existing] = await tx`
        SELECT c.id, c.user_id, c.vault_secret_name FROM platform_connection c JOIN platform p ON p.id = c.platform_id
        WHERE p.slug = ${platform} AND c.platform_user_id = ${identity.platformAccountId} FOR UPDATE OF c`;
      if (existing && existing.user_id !== userId) {
        throw new ConnectError('account_taken', `This ${platform} account is connected to another StreamVibe user`);
      }
      replacedSecret = existing?.vault_secret_name as string | undefined;
      const [connection] = await tx`
        INSERT INTO platform_connection (user_id, platform_id, platform_user_id, platform_username, vault_secret_name, scopes,
                                         token_expires_at, last_refreshed_at, status_id, is_active, last_error, connected_at, disconnected_at)
        SELECT ${userId}, p.id, ${identity.platformAccountId}, ${identity.handle ?? null}, ${secretName}, ${tokens.scopes},
               ${tokens.expiresAt ?? null}, now(), s.id, true, NULL, now(), NULL
        FROM platform p, account_status s WHERE p.slug = ${platform} AND s.slug = 'active'
        ON CONFLICT (platform_id, platform_user_id) DO UPDATE SET
          platform_username = EXCLUDED.platform_username, vault_secret_name = EXCLUDED.vault_secret_name, scopes = EXCLUDED.scopes,
          token_expires_at = EXCLUDED.token_expires_at, last_refreshed_at = now(), status_id = EXCLUDED.status_id, is_active = true,
          last_error = NULL, connected_at = now(), disconnected_at = NULL
        WHERE platform_connection.user_id = EXCLUDED.user_id
        RETURNING id`;
      // No row: the account went to another user between the check and the insert.
      if (!connection) throw new ConnectError('account_taken', `This ${platform} account is connected to another StreamVibe user`);
      const [account] = await tx`
        INSERT INTO social_account (user_id, platform_id, connection_id, platform_account_id, handle, display_name, profile_url,
                                    avatar_url, bio, follower_count, following_count, content_count, total_views, status_id,
                                    sync_enabled, deleted_at, last_sync_error)
        SELECT ${userId}, p.id, ${connection.id}, ${identity.platformAccountId}, ${identity.handle ?? null}, ${identity.displayName},
               ${identity.profileUrl ?? null}, ${identity.avatarUrl ?? null}, ${identity.bio ?? null}, ${identity.followerCount ?? 0},
               ${identity.followingCount ?? 0}, ${identity.contentCount ?? 0}, ${identity.totalViews ?? 0}, s.id, true, NULL, NULL
        FROM platform p, account_status s WHERE p.slug = ${platform} AND s.slug = 'active'
        ON CONFLICT (platform_id, platform_account_id) DO UPDATE SET
          connection_id = EXCLUDED.connection_id, handle = EXCLUDED.handle, display_name = EXCLUDED.display_name,
          profile_url = EXCLUDED.profile_url, avatar_url = EXCLUDED.avatar_url, bio = EXCLUDED.bio,
          follower_count = EXCLUDED.follower_count, following_count = EXCLUDED.following_count,
          content_count = EXCLUDED.content_count, total_views = EXCLUDED.total_views, status_id = EXCLUDED.status_id,
          sync_enabled = true, deleted_at = NULL, last_sync_error = NULL
        WHERE social_account.user_id = EXCLUDED.user_id
        RETURNING id`;
      if (!account) throw new ConnectError('account_taken', `This ${platform} account is connected to another StreamVibe user`);
      return { connectionId: connection.id as string, socialAccountId: account.id as string };
    });
    if (replacedSecret && replacedSecret !== secretName) await deleteQuietly(vault, replacedSecret);
    return saved;
  } catch (error) {
    await deleteQuietly(vault, secretName);
    if (isPostgresError(error, 'SVLIM')) throw new ConnectError('limit_reached', (error as Error).message);
    if (isPostgresError(error, '23505')) throw new ConnectError('account_taken', `This ${platform} account is connected to another StreamVibe user`);
    throw error;
  }
}

/** Deletes a secret nothing refers to any more; a failure is logged (the name only) and left for an operator. */
export async function deleteQuietly(vault: TokenVault, name: string): Promise<void> {
  try {
    await vault.delete(name);
  } catch (error) {
    logger.error('could not delete an unreferenced token secret', { secretName: name, error: error as Error });
  }
}
