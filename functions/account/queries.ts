import type { Sql, TransactionSql } from 'postgres';
import type { Claims } from '../../db/roles.ts';
import { asUser } from '../_shared/db.ts';
import { makeCursor, readCursor } from '../_shared/cursor.ts';
import { NotFoundError } from '../_shared/errors.ts';
import type { Parsed } from '../_shared/route.ts';
import type { UpdateMeBody } from './routes/me.ts';
import type { MarkReadBody, NotificationsQuery } from './routes/notifications.ts';
import type { ProfileSetupBody } from './routes/profile-setup.ts';

const SLUG_ATTEMPTS = 5;
const UNREAD_COUNT_CAP = 1000;
const NOTIFICATIONS_ORDERING = 'notifications';

/** The caller's account: profile, settings, roles, effective tier and quota usage, in one round trip. */
export async function findMe(tx: TransactionSql, email: string | undefined) {
  const [me] = await tx`
    SELECT u.id, u.display_name, u.profile_slug, u.bio, u.avatar_url, u.website_url, u.primary_category, u.is_public,
           u.is_verified, u.total_followers::float8 AS total_followers, u.onboarded_at IS NOT NULL AS onboarded, u.created_at,
           ARRAY(SELECT r.role::text FROM user_role r WHERE r.user_id = u.id ORDER BY r.role) AS roles,
           (SELECT to_jsonb(s) - 'user_id' - 'created_at' - 'updated_at' FROM user_setting s WHERE s.user_id = u.id) AS settings,
           (SELECT jsonb_build_object('status', st.slug, 'cycle_end_date', s.cycle_end_date, 'cancel_at_period_end', s.cancel_at_period_end)
              FROM subscription s JOIN subscription_status st ON st.id = s.status_id WHERE s.user_id = u.id) AS subscription,
           (SELECT jsonb_agg(jsonb_build_object('quota_type', q.quota_type, 'used', q.used, 'limit', q.quota_limit, 'remaining', q.remaining)
                             ORDER BY q.quota_type) FROM get_my_quota() q) AS quotas,
           (SELECT q.tier_slug FROM get_my_quota() q LIMIT 1) AS tier
    FROM users u WHERE u.id = auth.uid()`;
  if (!me) throw new NotFoundError('No account exists for this identity');
  const { quotas, tier, subscription, ...profile } = me;
  return {
    ...profile,
    email: email ?? null,
    subscription: {
      tier,
      status: subscription?.status ?? 'none',
      cycle_end_date: subscription?.cycle_end_date ?? null,
      cancel_at_period_end: subscription?.cancel_at_period_end ?? false,
      quotas,
    },
  };
}

export const getMe = (sql: Sql, claims: Claims) => asUser(sql, claims, (tx) => findMe(tx, claims.email));

/** Sets up the profile; the slug is derived once from the display name and numbered on collision. */
export async function setUpProfile(sql: Sql, claims: Claims, input: Parsed<typeof ProfileSetupBody>) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await asUser(sql, claims, async (tx) => {
        // Same-name sign-ups take turns choosing a slug (each sees the previous one's); retry covers near-names.
        await tx`SELECT pg_advisory_xact_lock(hashtext(${`profile-slug:${input.display_name.toLowerCase()}`}))`;
        const updated = await tx`
          UPDATE users SET ${tx(input)},
                 profile_slug = coalesce(profile_slug, suggest_profile_slug(${input.display_name})),
                 onboarded_at = coalesce(onboarded_at, now())
          WHERE id = auth.uid() RETURNING id`;
        if (updated.length === 0) throw new NotFoundError('No account exists for this identity');
        return findMe(tx, claims.email);
      });
    } catch (error) {
      const slugTaken = (error as { constraint_name?: string }).constraint_name === 'users_profile_slug_key';
      if (!slugTaken || attempt === SLUG_ATTEMPTS) throw error;
    }
  }
}

export function updateMe(sql: Sql, claims: Claims, input: Parsed<typeof UpdateMeBody>) {
  const { settings, ...profile } = input;
  return asUser(sql, claims, async (tx) => {
    if (Object.keys(profile).length > 0) await tx`UPDATE users SET ${tx(profile)} WHERE id = auth.uid()`;
    if (settings && Object.keys(settings).length > 0) await tx`UPDATE user_setting SET ${tx(settings)} WHERE user_id = auth.uid()`;
    return findMe(tx, claims.email);
  });
}

export function listNotifications(sql: Sql, claims: Claims, query: Parsed<typeof NotificationsQuery>) {
  const after = query.cursor ? readCursor(query.cursor, NOTIFICATIONS_ORDERING, ['timestamp', 'uuid']) : undefined;
  return asUser(sql, claims, async (tx) => {
    const rows = await tx`
      SELECT id, type, title, message, data, action_url, read_at, created_at,
             -- the exact key for the cursor: a JS Date would drop the microseconds and skip rows (so it goes back ::text too)
             to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
      FROM notification
      WHERE user_id = auth.uid()
        ${query.unread_only ? tx`AND read_at IS NULL` : tx``}
        ${after ? tx`AND (created_at, id) < (${after[0]!}::text::timestamptz, ${after[1]!}::uuid)` : tx``}
      ORDER BY created_at DESC, id DESC
      LIMIT ${query.limit + 1}`;
    const [unread] = await tx`SELECT count(*)::int AS n FROM (SELECT 1 FROM notification WHERE user_id = auth.uid() AND read_at IS NULL LIMIT ${UNREAD_COUNT_CAP}) u`;
    const items = rows.slice(0, query.limit).map(({ cursor_at, ...item }) => item);
    const last = rows[query.limit - 1];
    const hasMore = rows.length > query.limit;
    return {
      items,
      unread_count: unread!.n,
      page: { limit: query.limit, has_more: hasMore, next_cursor: hasMore && last ? makeCursor(NOTIFICATIONS_ORDERING, [last.cursor_at, last.id]) : null },
    };
  });
}

export function markNotificationsRead(sql: Sql, claims: Claims, input: Parsed<typeof MarkReadBody>) {
  return asUser(sql, claims, async (tx) => {
    const result = await tx`
      UPDATE notification SET read_at = now()
      WHERE user_id = auth.uid() AND read_at IS NULL ${'ids' in input ? tx`AND id = ANY(${input.ids}::uuid[])` : tx``}`;
    return { updated: result.count };
  });
}
