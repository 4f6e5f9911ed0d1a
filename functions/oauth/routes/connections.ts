import * as z from 'zod/mini';
import { asService, db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { PLATFORMS } from '../providers/port.ts';
import { tags } from './common.ts';

const timestamp = () => z.nullable(z.string());
export const ConnectionsResponse = () => z.object({
  connections: z.array(z.object({
    social_account_id: z.string(),
    platform: z.enum(PLATFORMS),
    handle: z.nullable(z.string()),
    display_name: z.nullable(z.string()),
    avatar_url: z.nullable(z.string()),
    profile_url: z.nullable(z.string()),
    follower_count: z.number(),
    /** active | disconnected (the provider revoked access or the token expired: reconnect) | inactive | suspended. */
    status: z.string(),
    needs_reconnect: z.boolean(),
    token_expires_at: timestamp(),
    connected_at: timestamp(),
    last_synced_at: timestamp(),
    last_sync_error: z.nullable(z.string()),
  })),
});

/** The caller's connected accounts: never a secret's name or a token (those columns are not read). */
export const connectionsRoute = defineRoute({
  method: 'GET', path: '/connections', auth: 'user', tags, response: ConnectionsResponse,
  summary: 'The caller’s connected platform accounts, their status, token expiry and last sync',
}, async ({ claims }) => {
  const rows = await asService(db(), (tx) => tx`
    SELECT a.id AS social_account_id, p.slug AS platform, a.handle, a.display_name, a.avatar_url, a.profile_url,
           a.follower_count::float8 AS follower_count, s.slug AS status, NOT s.can_sync AND s.slug = 'disconnected' AS needs_reconnect,
           c.token_expires_at, c.connected_at, a.last_synced_at, a.last_sync_error
    FROM social_account a
    JOIN platform p ON p.id = a.platform_id
    JOIN account_status s ON s.id = a.status_id
    LEFT JOIN platform_connection c ON c.id = a.connection_id
    WHERE a.user_id = ${claims.sub} AND a.deleted_at IS NULL
    ORDER BY p.sort_order, a.created_at`);
  const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : null);
  return {
    connections: rows.map((r) => ({
      social_account_id: r.social_account_id, platform: r.platform, handle: r.handle, display_name: r.display_name,
      avatar_url: r.avatar_url, profile_url: r.profile_url, follower_count: r.follower_count, status: r.status,
      needs_reconnect: r.needs_reconnect, token_expires_at: iso(r.token_expires_at), connected_at: iso(r.connected_at),
      last_synced_at: iso(r.last_synced_at), last_sync_error: r.last_sync_error,
    })),
  };
});
