import type { Sql, TransactionSql } from 'postgres';
import { withCaller } from '../_shared/db.ts';
import { logger } from '../_shared/logger.ts';
import { providerFor } from './config.ts';
import { ProviderError, type Platform, type TokenSet } from './providers/port.ts';
import type { TokenVault } from './vault.ts';
import { REFRESH_AHEAD_MINUTES } from './refresh-window.ts';

/** A refresh waits this long for a racing one holding the connection (the provider call is bounded at 10 s). */
const LOCK_WAIT_MS = 30_000;
/**
 * How long a refresh keeps trying to store the tokens the provider just issued: by then a rotating provider (TikTok, X)
 * has spent the old refresh token, so tokens not stored are lost and the user must reconnect. Kept under the app role's
 * 30 s idle_in_transaction_session_timeout (migration 010): the connection's row stays locked meanwhile.
 */
const STORE_RETRY_MS = 20_000;

export type RefreshOutcome =
  | { outcome: 'refreshed'; expiresAt: string | null }
  /** Another refresh got there first, or nothing is due: no provider call. */
  | { outcome: 'fresh' }
  | { outcome: 'inactive' }
  /** The grant is gone (invalid_grant, revoked app): the account needs reconnecting; the user was told. */
  | { outcome: 'needs_reconnect' };

/**
 * Refreshes one connection's tokens, at most once however many callers race: the connection's row is locked for the
 * whole refresh, and a caller that waited finds the token fresh and does nothing (a single-use refresh token is
 * never spent twice). `rejectedAccessToken` (the provider's API refused it: expired early, revoked) refreshes a token
 * that looks fresh, unless the stored one is already another (a racing caller refreshed it). A retryable provider
 * failure (429, 5xx) is thrown for the job to retry.
 */
export async function refreshConnection(sql: Sql, vault: TokenVault, connectionId: string,
  options: { rejectedAccessToken?: string } = {}): Promise<RefreshOutcome> {
  return withCaller(sql, { role: 'service_role' }, async (tx) => {
    const [connection] = await tx`
      SELECT c.id, c.user_id, p.slug AS platform, c.vault_secret_name, s.slug AS status, c.is_active,
             c.token_expires_at IS NOT NULL AND c.token_expires_at > now() + make_interval(mins => ${REFRESH_AHEAD_MINUTES}) AS fresh
      FROM platform_connection c JOIN platform p ON p.id = c.platform_id JOIN account_status s ON s.id = c.status_id
      WHERE c.id = ${connectionId} FOR UPDATE OF c`;
    if (!connection || !connection.is_active || connection.status !== 'active') return { outcome: 'inactive' };
    if (!options.rejectedAccessToken && connection.fresh) return { outcome: 'fresh' };
    const platform = connection.platform as Platform;
    const provider = await providerFor(platform);
    if (!provider) throw new Error(`${platform} has no client credentials on this deployment`);
    const tokens = await vault.get(connection.vault_secret_name as string);
    // The provider refused a token that is no longer the stored one: a racing caller refreshed it already.
    if (options.rejectedAccessToken && tokens.accessToken !== options.rejectedAccessToken) return { outcome: 'fresh' };
    try {
      const fresh = await provider.refresh(tokens);
      await storeRefreshed(vault, connection.vault_secret_name as string, fresh, connectionId);
      await tx`
        UPDATE platform_connection SET token_expires_at = ${fresh.expiresAt ?? null}, last_refreshed_at = now(), last_error = NULL,
          scopes = ${fresh.scopes.length ? fresh.scopes : tokens.scopes}
        WHERE id = ${connectionId}`;
      return { outcome: 'refreshed', expiresAt: fresh.expiresAt ?? null };
    } catch (error) {
      if (!(error instanceof ProviderError) || error.kind !== 'invalid_grant') throw error;
      logger.info('provider refused the refresh: the account needs reconnecting', { platform, connectionId, reason: error.message });
      await markNeedsReconnect(tx, connectionId);
      return { outcome: 'needs_reconnect' };
    }
  }, { statementTimeoutMs: LOCK_WAIT_MS });
}

/**
 * The provider no longer honours the grant (invalid_grant, a revoked app, Graph 190): the connection and its account
 * become `disconnected` (nothing syncs or refreshes them until the user connects again) and the user is told.
 */
export async function markNeedsReconnect(tx: TransactionSql, connectionId: string): Promise<void> {
  await tx`
    WITH status AS (SELECT id FROM account_status WHERE slug = 'disconnected'),
    conn AS (
      UPDATE platform_connection c SET status_id = (SELECT id FROM status), last_error = 'Access was revoked or has expired: reconnect the account'
      FROM platform p WHERE c.id = ${connectionId} AND p.id = c.platform_id AND c.status_id <> (SELECT id FROM status)
      RETURNING c.user_id, c.connected_at, p.slug, p.display_name
    ), account AS (
      UPDATE social_account SET status_id = (SELECT id FROM status) WHERE connection_id = ${connectionId} AND deleted_at IS NULL
    )
    -- Once per grant: the key names the connection and when it was (re)connected, so a second path marking the same
    -- grant (the token worker and a sync racing) is a no-op, and a later grant that fails again tells the user again.
    SELECT notify_user(conn.user_id, 'warning', 'Reconnect your ' || conn.slug || ' account',
             'StreamVibe can no longer reach your ' || conn.display_name || ' account (access was revoked or expired). Connect it again to keep syncing.',
             'reconnect:' || ${connectionId} || ':' || to_char(conn.connected_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
             jsonb_build_object('platform', conn.slug, 'connection_id', ${connectionId}::uuid))
    FROM conn`;
}

/** Stores refreshed tokens, retrying with backoff for STORE_RETRY_MS while Secrets Manager is unreachable. */
async function storeRefreshed(vault: TokenVault, secretName: string, tokens: TokenSet, connectionId: string): Promise<void> {
  const deadline = Date.now() + STORE_RETRY_MS;
  for (let delayMs = 250; ; delayMs = Math.min(delayMs * 2, 4_000)) {
    try {
      return await vault.replace(secretName, tokens);
    } catch (error) {
      if (Date.now() + delayMs > deadline) throw error;
      logger.warn('storing refreshed tokens failed; retrying', { connectionId, retryInMs: delayMs, error: error as Error });
      await new Promise((resume) => setTimeout(resume, delayMs));
    }
  }
}
