import type { Sql, TransactionSql } from 'postgres';
import type { Claims } from '../../db/roles.ts';
import { makeCursor, readCursor } from '../_shared/cursor.ts';
import { asService, asUser } from '../_shared/db.ts';
import { ConflictError } from '../_shared/errors.ts';
import { jobDispatcher } from '../jobs/dispatcher.ts';
import type { SearchEngineName } from './engines/port.ts';
import type { SitePage } from './pages.ts';

/** A user's active connections, at most: each holds a secret, and a few sites cover every page of theirs. */
export const MAX_CONNECTIONS_PER_USER = 10;

const CONNECTION_COLUMNS = (tx: TransactionSql) => tx`
  c.id, e.slug AS search_engine, c.site_url, c.is_active, c.is_verified, c.verified_at, c.last_submission_at, c.last_error, c.created_at`;

/** The caller's connections (RLS: their own), active ones first. */
export const listConnections = (sql: Sql, claims: Claims) => asUser(sql, claims, (tx) => tx`
  SELECT ${CONNECTION_COLUMNS(tx)} FROM seo_connection c JOIN search_engine e ON e.id = c.search_engine_id
  WHERE c.user_id = auth.uid() ORDER BY c.is_active DESC, c.created_at DESC, c.id`);

/**
 * Stores a verified connection (a new one, or the same engine and site again with new credentials), under a per-user
 * lock so the cap and the secret it replaces are read true. Returns the row and the secret name it replaced.
 */
export const saveConnection = (sql: Sql, input: { userId: string; engine: SearchEngineName; siteUrl: string; secretName: string }) =>
  asService(sql, async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(6020, hashtext(${input.userId}))`;
    const [existing] = await tx`
      SELECT c.id, c.vault_secret_name, c.is_active FROM seo_connection c JOIN search_engine e ON e.id = c.search_engine_id
      WHERE c.user_id = ${input.userId} AND e.slug = ${input.engine} AND c.site_url = ${input.siteUrl}`;
    if (!existing?.is_active) {
      const [{ active }] = await tx`SELECT count(*)::int AS active FROM seo_connection WHERE user_id = ${input.userId} AND is_active` as [{ active: number }];
      if (active >= MAX_CONNECTIONS_PER_USER) throw new ConflictError(`You have ${active} SEO connections, the most there can be: remove one first`);
    }
    const [saved] = await tx`
      INSERT INTO seo_connection AS c (user_id, search_engine_id, vault_secret_name, site_url, is_active, is_verified, verified_at)
      SELECT ${input.userId}, e.id, ${input.secretName}, ${input.siteUrl}, true, true, now() FROM search_engine e WHERE e.slug = ${input.engine}
      ON CONFLICT (user_id, search_engine_id, site_url) DO UPDATE SET
        vault_secret_name = EXCLUDED.vault_secret_name, is_active = true, is_verified = true, verified_at = now(), last_error = NULL
      RETURNING c.id`;
    const [connection] = await tx`
      SELECT ${CONNECTION_COLUMNS(tx)} FROM seo_connection c JOIN search_engine e ON e.id = c.search_engine_id WHERE c.id = ${saved!.id}`;
    return { connection: connection!, replacedSecret: existing?.vault_secret_name as string | undefined };
  });

/**
 * Deactivates one of the caller's connections (never another user's: the id and the caller's id must match) and
 * fails its open submissions; returns its secret's name, to delete, or undefined when there is no such connection.
 */
export const deactivateConnection = (sql: Sql, userId: string, id: string) => asService(sql, async (tx) => {
  const [connection] = await tx`
    UPDATE seo_connection SET is_active = false, is_verified = false WHERE id = ${id} AND user_id = ${userId} AND is_active
    RETURNING id, vault_secret_name`;
  if (!connection) return undefined;
  // Units of the month come back for URLs that were never sent.
  await tx`
    WITH failed AS (
      UPDATE seo_submission SET status = 'failed', error_message = 'The connection was removed before this URL was sent'
      WHERE connection_id = ${id} AND status IN ('pending', 'rate_limited') RETURNING user_id)
    SELECT decrement_quota(${userId}, 'seo_submission', count(*)::int) FROM failed HAVING count(*) > 0`;
  return connection.vault_secret_name as string;
});

export interface SubmissionRequest {
  outcome: 'created' | 'open' | 'not_found' | 'no_connection' | 'daily_limit' | 'quota';
  submission_id: string | null;
  job_id: string | null;
  submitted_url: string | null;
  quota_limit: number | null;
  quota_used: number | null;
  resets_at: Date | null;
  tier: string | null;
}

/** request_seo_submission (migration 020): the submission, its daily use, its unit of the month and its job, or none. */
export const requestSubmission = async (sql: Sql, userId: string, site: string, engine: SearchEngineName, page: SitePage) =>
  (await asService(sql, (tx) => tx`
    SELECT * FROM request_seo_submission(${userId}, ${site}, ${engine}, ${page.contentItemId}, ${page.creatorSlug})`))[0] as SubmissionRequest;

const SUBMISSIONS_ORDERING = 'seo-submissions';

/** The caller's submissions, newest first, keyset-paged on (created_at, id); filtered by engine, status, URL. */
export async function listSubmissions(sql: Sql, claims: Claims, query: {
  search_engine?: SearchEngineName; status?: string; url?: string; limit: number; cursor?: string;
}) {
  const after = query.cursor ? readCursor(query.cursor, SUBMISSIONS_ORDERING, ['timestamp', 'uuid']) : undefined;
  const rows = await asUser(sql, claims, (tx) => tx`
    SELECT s.id, s.submitted_url AS url, e.slug AS search_engine, s.submission_type AS type, s.status, s.source,
           s.content_item_id, s.connection_id, s.job_id, s.response_status, s.error_message, s.retry_count,
           s.created_at, s.submitted_at, s.updated_at,
           to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS key_created
    FROM seo_submission s JOIN search_engine e ON e.id = s.search_engine_id
    WHERE s.user_id = auth.uid()
      ${query.search_engine ? tx`AND e.slug = ${query.search_engine}` : tx``}
      ${query.status ? tx`AND s.status = ${query.status}` : tx``}
      ${query.url ? tx`AND s.submitted_url = ${query.url}` : tx``}
      ${after ? tx`AND (s.created_at, s.id) < (${after[0]!}::timestamptz, ${after[1]!}::uuid)` : tx``}
    ORDER BY s.created_at DESC, s.id DESC
    LIMIT ${query.limit + 1}`);
  const hasMore = rows.length > query.limit;
  const items = rows.slice(0, query.limit).map(({ key_created: _, ...row }) => row);
  const last = rows[query.limit - 1];
  return { items, page: { limit: query.limit, has_more: hasMore, next_cursor: hasMore && last ? makeCursor(SUBMISSIONS_ORDERING, [last.key_created, last.id]) : null } };
}

/** The user's auto-submit setting (off until set); schema seo is the service's alone, so read as it, by the verified id. */
export const findSettings = async (sql: Sql, userId: string) =>
  ({ auto_submit: Boolean((await asService(sql, (tx) => tx`SELECT auto_submit FROM seo.setting WHERE user_id = ${userId}`))[0]?.auto_submit) });

export const saveSettings = async (sql: Sql, userId: string, autoSubmit: boolean) => {
  await asService(sql, (tx) => tx`
    INSERT INTO seo.setting (user_id, auto_submit) VALUES (${userId}, ${autoSubmit})
    ON CONFLICT (user_id) DO UPDATE SET auto_submit = EXCLUDED.auto_submit`);
  return { auto_submit: autoSubmit };
};

/** Sends new seo jobs' ids to the seo queue after their commit (the outbox sweep sends any that fail here). */
export async function dispatchSeoJobs(sql: Sql, jobIds: string[]): Promise<void> {
  if (jobIds.length === 0) return;
  const sent = await jobDispatcher().dispatch(jobIds.map((jobId) => ({ jobId, queue: 'seo' as const })));
  if (sent.length > 0) await asService(sql, (tx) => tx`SELECT mark_jobs_dispatched(${sent}::uuid[])`);
}
