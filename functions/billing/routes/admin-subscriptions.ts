import * as z from 'zod/mini';
import { makeCursor, paginate, readCursor } from '../../_shared/cursor.ts';
import { asService, db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { cursorParam, limitParam } from '../../_shared/schemas.ts';

const STATUSES = ['active', 'trialing', 'past_due', 'incomplete', 'incomplete_expired', 'unpaid', 'paused', 'canceled'] as const;
const ORDERING = 'admin-subscriptions';

export const AdminSubscriptionsQuery = () => z.object({ status: z.optional(z.enum(STATUSES)), limit: limitParam(50, 200), cursor: cursorParam });
const AdminSubscriptionsResponse = () => z.object({
  items: z.array(z.object({
    user_id: z.string(), email: z.string(), tier: z.string(), status: z.string(), scheduled_tier: z.nullable(z.string()),
    current_period_end: z.string(), cancel_at_period_end: z.boolean(), grace_until: z.nullable(z.string()),
    stripe_customer_id: z.nullable(z.string()), stripe_subscription_id: z.nullable(z.string()), updated_at: z.string(),
  })),
  page: z.object({ limit: z.number(), has_more: z.boolean(), next_cursor: z.nullable(z.string()) }),
});

/** Subscriptions by status, most recently changed first, keyset-paged (the route admits admins only; it reads as the service). */
export const adminSubscriptionsRoute = defineRoute({
  method: 'GET', path: '/admin-subscriptions', auth: 'admin', tags: ['Billing', 'Admin'], query: AdminSubscriptionsQuery,
  response: AdminSubscriptionsResponse, summary: 'Subscriptions by status, most recently changed first (admins)',
}, async ({ query }) => {
  const [afterAt, afterId] = query.cursor ? readCursor(query.cursor, ORDERING, ['timestamp', 'uuid']) : [];
  const rows = await asService(db(), (tx) => tx`
    SELECT s.id, s.user_id, u.email, t.slug AS tier, st.slug AS status, sched.slug AS scheduled_tier, s.cycle_end_date,
           s.cancel_at_period_end, s.grace_until, u.stripe_customer_id, s.stripe_subscription_id, s.updated_at,
           to_char(s.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_key
    FROM subscription s JOIN users u ON u.id = s.user_id JOIN subscription_tier t ON t.id = s.tier_id
    JOIN subscription_status st ON st.id = s.status_id LEFT JOIN subscription_tier sched ON sched.id = s.scheduled_tier_id
    WHERE ${query.status ? tx`st.slug = ${query.status}` : tx`true`}
      AND ${afterAt ? tx`(s.updated_at, s.id) < (${afterAt}::timestamptz, ${afterId!}::uuid)` : tx`true`}
    ORDER BY s.updated_at DESC, s.id DESC LIMIT ${query.limit + 1}`);
  const { items, page } = paginate([...rows], query.limit, (row) => makeCursor(ORDERING, [row.updated_key, row.id]));
  return {
    items: items.map((r) => ({
      user_id: r.user_id, email: r.email, tier: r.tier, status: r.status, scheduled_tier: r.scheduled_tier,
      current_period_end: r.cycle_end_date.toISOString(), cancel_at_period_end: r.cancel_at_period_end,
      grace_until: r.grace_until?.toISOString() ?? null, stripe_customer_id: r.stripe_customer_id,
      stripe_subscription_id: r.stripe_subscription_id, updated_at: r.updated_at.toISOString(),
    })),
    page,
  };
});
