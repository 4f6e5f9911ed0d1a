import { makeCursor, readCursor } from '../_shared/cursor.ts';
import { NotFoundError } from '../_shared/errors.ts';
import type { Parsed } from '../_shared/route.ts';
import type { AdminTx } from './audit.ts';
import type { FeatureBody, UnfeatureBody, VerifyBody } from './routes/creators.ts';
import type { AdminJobsQuery } from './routes/jobs.ts';
import type { RoleBody } from './routes/roles.ts';
import type { UserQuery } from './routes/users.ts';

/** The admin feature's SQL: each change locks its row, reads it before, changes it, and audits both states. */

type Tx = AdminTx['tx'];
/** A timestamp as UTC ISO 8601 with microseconds (exact, for cursors and before/after states). */
const iso = (tx: Tx, column: string) => tx`to_char(${tx(column)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Grants or revokes a role; the user's row lock orders concurrent changes, so before and after are exact. */
export async function changeRole({ tx, actorId, audit }: AdminTx, input: Parsed<typeof RoleBody>, action: 'grant' | 'revoke') {
  const [user] = await tx`SELECT id FROM users WHERE id = ${input.user_id} FOR UPDATE`;
  if (!user) throw new NotFoundError('No such user');
  const rolesOf = async () => (await tx`SELECT role::text AS role FROM user_role WHERE user_id = ${input.user_id} ORDER BY role::text COLLATE "C"`)
    .map((r) => r.role as string);
  const before = { user_id: input.user_id, roles: await rolesOf() };
  if (action === 'grant') {
    await tx`INSERT INTO user_role (user_id, role, granted_by) VALUES (${input.user_id}, ${input.role}, ${actorId}) ON CONFLICT (user_id, role) DO NOTHING`;
  } else {
    await tx`DELETE FROM user_role WHERE user_id = ${input.user_id} AND role = ${input.role}`;
  }
  const after = { user_id: input.user_id, roles: await rolesOf() };
  await audit({ action, entityType: 'user_role', entityId: input.user_id, userId: input.user_id, before, after });
  return { changed: before.roles.join() !== after.roles.join(), before, after };
}

export async function setVerified({ tx, audit }: AdminTx, input: Parsed<typeof VerifyBody>) {
  const [row] = await tx`
    WITH before AS (SELECT id, is_verified FROM users WHERE id = ${input.user_id} FOR UPDATE)
    UPDATE users u SET is_verified = ${input.verified} FROM before b WHERE u.id = b.id
    RETURNING b.is_verified AS before, u.is_verified AS after`;
  if (!row) throw new NotFoundError('No such user');
  const before = { user_id: input.user_id, is_verified: row.before as boolean };
  const after = { user_id: input.user_id, is_verified: row.after as boolean };
  await audit({ action: input.verified ? 'verify' : 'unverify', entityType: 'creator', entityId: input.user_id, userId: input.user_id, before, after });
  return { changed: before.is_verified !== after.is_verified, before, after };
}

const featuredColumns = (tx: Tx) => tx`f.id, f.user_id, f.category_code AS category, f.headline, f.position,
  ${iso(tx, 'f.starts_at')} AS starts_at, ${iso(tx, 'f.ends_at')} AS ends_at, f.is_active`;

const inList = (tx: Tx, userId: string, category: string | null) =>
  tx`f.user_id = ${userId} AND coalesce(f.category_code, '') = coalesce(${category}::text, '') AND f.is_active`;

/**
 * Ends the creator's active entries in this list (a category's, or the front page's when null) and returns the newest
 * as it was. The caller holds the creator's row lock, which serialises featuring them, so one entry per list stays active.
 */
async function endEntries(tx: Tx, userId: string, category: string | null) {
  const [before] = await tx`SELECT ${featuredColumns(tx)} FROM featured_creator f WHERE ${inList(tx, userId, category)}
                            ORDER BY f.created_at DESC, f.id DESC LIMIT 1`;
  await tx`UPDATE featured_creator f SET is_active = false WHERE ${inList(tx, userId, category)}`;
  return before;
}
const lockCreator = async (tx: Tx, userId: string) => {
  const [user] = await tx`SELECT id FROM users WHERE id = ${userId} FOR UPDATE`;
  if (!user) throw new NotFoundError('No such user');
};

/** Features a creator in a list at a position for a period; featuring them again replaces their entry there. */
export async function featureCreator({ tx, actorId, audit }: AdminTx, input: Parsed<typeof FeatureBody>) {
  await lockCreator(tx, input.user_id);
  const category = input.category ?? null;
  const before = await endEntries(tx, input.user_id, category);
  const [after] = await tx`
    INSERT INTO featured_creator AS f (user_id, category_code, headline, position, starts_at, ends_at, created_by)
    VALUES (${input.user_id}, ${category}, ${input.headline ?? null}, ${input.position}, coalesce(${input.starts_at ?? null}::timestamptz, now()),
            ${input.ends_at ?? null}::timestamptz, ${actorId})
    RETURNING ${featuredColumns(tx)}`;
  await audit({ action: 'feature', entityType: 'featured_creator', entityId: after!.id, userId: input.user_id, before: before ?? null, after });
  return { changed: true, before: before ?? null, after: after! };
}

export async function unfeatureCreator({ tx, audit }: AdminTx, input: Parsed<typeof UnfeatureBody>) {
  await lockCreator(tx, input.user_id);
  const before = await endEntries(tx, input.user_id, input.category ?? null);
  if (!before) throw new NotFoundError('This creator is not featured in that list');
  const after = { ...before, is_active: false };
  await audit({ action: 'unfeature', entityType: 'featured_creator', entityId: before.id, userId: input.user_id, before, after });
  return { changed: true, before, after };
}

/**
 * Hides (a reason) or restores (null) an item or a creator through set_hidden (022), which also drops what the
 * refreshes derived from it; the owner is told of a hide once per hide (the key names when it was hidden).
 */
export async function setHidden({ tx, audit }: AdminTx, kind: 'content' | 'creator', id: string, reason: string | null) {
  const [row] = await tx`SELECT owner_id, before, after FROM set_hidden(${kind}, ${id}, ${reason})`;
  if (!row) throw new NotFoundError(kind === 'content' ? 'No such content item' : 'No such user');
  const before = stateOf(row.before);
  const after = stateOf(row.after);
  await audit({ action: reason === null ? 'restore' : 'hide', entityType: kind === 'content' ? 'content_item' : 'creator', entityId: id,
    userId: row.owner_id, before, after });
  if (reason !== null && before.hidden_at === null) {
    const what = kind === 'content' ? 'One of your items was' : 'Your creator profile was';
    await tx`
      SELECT notify_user(${row.owner_id}, 'warning', ${`${what} hidden by moderation`},
        ${`${kind === 'content' ? 'It' : 'Your profile and content'} no longer appear in discovery, search or on the public site; you still see ${kind === 'content' ? 'it' : 'them'}. Reason: ${reason}`},
        ${`moderation:${kind}:${id}:${after.hidden_at}`}, ${tx.json({ kind, id, reason })})`;
  }
  return { changed: JSON.stringify(before) !== JSON.stringify(after), before, after };
}

/** set_hidden's jsonb state, with timestamps as the API's ISO strings. */
const stateOf = (value: { hidden_at: string | null; hidden_reason: string | null }) => ({
  hidden_at: value.hidden_at === null ? null : new Date(value.hidden_at).toISOString(),
  hidden_reason: value.hidden_reason,
});

export async function findUser({ tx, audit }: AdminTx, query: Parsed<typeof UserQuery>) {
  const [user] = await tx`
    SELECT u.id, u.email::text AS email, u.display_name, u.profile_slug, u.is_public, u.is_verified, ${iso(tx, 'u.hidden_at')} AS hidden_at,
           u.hidden_reason, ARRAY(SELECT r.role::text FROM user_role r WHERE r.user_id = u.id ORDER BY 1) AS roles, q.tier_slug AS tier,
           jsonb_build_array(
             jsonb_build_object('quota_type', 'sync', 'used', q.syncs_used, 'limit', q.max_syncs),
             jsonb_build_object('quota_type', 'ai_analysis', 'used', q.ai_analyses_used, 'limit', q.max_ai_analyses),
             jsonb_build_object('quota_type', 'seo_submission', 'used', q.seo_submissions_used, 'limit', q.max_seo_submissions)) AS quotas,
           (SELECT count(*)::int FROM social_account s WHERE s.user_id = u.id AND s.deleted_at IS NULL) AS social_accounts,
           (SELECT count(*)::int FROM job_queue j WHERE j.user_id = u.id AND (j.status IN ('pending', 'processing') OR j.next_retry_at IS NOT NULL)) AS active_jobs,
           ${iso(tx, 'u.created_at')} AS created_at, ${iso(tx, 'u.last_active_at')} AS last_active_at,
           ${iso(tx, 'u.deleted_at')} AS deleted_at
    FROM users u CROSS JOIN LATERAL effective_quota(u.id) q
    WHERE ${query.id ? tx`u.id = ${query.id}` : tx`u.email OPERATOR(extensions.=) ${query.email!}::text::extensions.citext`}`;
  if (!user) throw new NotFoundError('No such user');
  await audit({ action: 'lookup', entityType: 'user', entityId: user.id, userId: user.id, before: null, after: { by: query.id ? 'id' : 'email' } });
  return user;
}

const JOBS_ORDERING = 'admin-jobs';

/**
 * Jobs across users, newest first, keyset-paged on (created_at, id). With a user it walks that user's index; across
 * users the status filter narrows it (each active status has its partial index) and the admin reads are rare.
 */
export async function listJobs({ tx }: AdminTx, query: Parsed<typeof AdminJobsQuery>) {
  const after = query.cursor ? readCursor(query.cursor, JOBS_ORDERING, ['timestamp', 'uuid']) : undefined;
  const rows = await tx`
    SELECT q.id, q.user_id, q.job_type, t.slug AS job_category, q.status, q.progress, q.error_message, q.retry_count, q.max_retries,
           ${iso(tx, 'q.next_retry_at')} AS next_retry_at, ${iso(tx, 'q.created_at')} AS created_at,
           ${iso(tx, 'q.started_at')} AS started_at, ${iso(tx, 'q.completed_at')} AS completed_at
    FROM job_queue q JOIN job_type t ON t.id = q.job_type_id
    WHERE true
      ${query.status ? tx`AND q.status = ${query.status}` : tx``}
      ${query.job_type ? tx`AND (q.job_type = ${query.job_type} OR t.slug = ${query.job_type})` : tx``}
      ${query.user_id ? tx`AND q.user_id = ${query.user_id}` : tx``}
      ${query.from ? tx`AND q.created_at >= ${query.from}::timestamptz` : tx``}
      ${query.to ? tx`AND q.created_at < ${query.to}::timestamptz` : tx``}
      ${after ? tx`AND (q.created_at, q.id) < (${after[0]!}::text::timestamptz, ${after[1]!}::uuid)` : tx``}
    ORDER BY q.created_at DESC, q.id DESC
    LIMIT ${query.limit + 1}`;
  const items = rows.slice(0, query.limit);
  const last = items.at(-1);
  const hasMore = rows.length > query.limit;
  return {
    items,
    page: { limit: query.limit, has_more: hasMore, next_cursor: hasMore && last ? makeCursor(JOBS_ORDERING, [last.created_at, last.id]) : null },
  };
}

const HEALTH_WINDOW_HOURS = 24;
/** A running job silent this long is stuck (detect-stuck-jobs fails it at 30 minutes); a due pending job not started this long is overdue. */
const STUCK_AFTER = '10 minutes';
const OVERDUE_AFTER = '15 minutes';

/** Per job kind: what is active now and how the last 24 hours ended; kinds with neither are left out. Each part reads its partial index. */
export async function jobHealth({ tx }: AdminTx) {
  const kinds = await tx`
    SELECT q.job_type, t.slug AS job_category, t.queue_name AS queue,
           count(*) FILTER (WHERE q.status = 'pending')::int AS pending,
           count(*) FILTER (WHERE q.status = 'pending' AND q.scheduled_for < now() - ${OVERDUE_AFTER}::interval)::int AS overdue,
           count(*) FILTER (WHERE q.status = 'processing')::int AS processing,
           count(*) FILTER (WHERE q.status = 'processing' AND q.heartbeat_at < now() - ${STUCK_AFTER}::interval)::int AS stuck,
           count(*) FILTER (WHERE q.next_retry_at IS NOT NULL)::int AS retrying,
           count(*) FILTER (WHERE q.status = 'completed' AND q.completed_at >= now() - make_interval(hours => ${HEALTH_WINDOW_HOURS}))::int AS completed,
           count(*) FILTER (WHERE q.status = 'failed' AND q.next_retry_at IS NULL
                              AND q.completed_at >= now() - make_interval(hours => ${HEALTH_WINDOW_HOURS}))::int AS failed
    FROM (
      SELECT * FROM job_queue WHERE status IN ('pending', 'processing')
      UNION ALL SELECT * FROM job_queue WHERE next_retry_at IS NOT NULL
      UNION ALL SELECT * FROM job_queue WHERE completed_at >= now() - make_interval(hours => ${HEALTH_WINDOW_HOURS}) AND next_retry_at IS NULL
    ) q JOIN job_type t ON t.id = q.job_type_id
    GROUP BY q.job_type, t.slug, t.queue_name
    ORDER BY stuck DESC, failed DESC, overdue DESC, q.job_type`;
  return {
    window_hours: HEALTH_WINDOW_HOURS,
    kinds: kinds.map((k) => ({ ...k, failure_rate: k.completed + k.failed > 0 ? Number((k.failed / (k.completed + k.failed)).toFixed(4)) : null })),
  };
}
