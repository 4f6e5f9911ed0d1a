import * as z from 'zod/mini';
import { db } from '../_shared/db.ts';
import { uuid } from '../_shared/schemas.ts';
import { DeferJobError, JobCancelledError, PermanentJobError, type Executor, type JobContext } from '../jobs/executor.ts';
import { ProviderError, type Platform, type TokenSet } from '../oauth/providers/port.ts';
import { markNeedsReconnect, refreshConnection } from '../oauth/refresh.ts';
import { tokenVault } from '../oauth/vault.ts';
import { sourceFor } from './sources/index.ts';
import type { ContentSource, ReadOptions, SourceItem } from './sources/port.ts';
import { markRemoved, writePage } from './write.ts';

/** Time a page may take (the provider's 10 s timeout, the write) before the Lambda's end: stop and go on in the next. */
const CONTINUE_BEFORE_TIMEOUT_MS = 30_000;

const SyncParams = z.object({ social_account_id: uuid, full: z.optional(z.boolean()) });

/** What social_account.sync_cursor keeps between syncs (and between attempts of one sync). */
interface SyncState {
  /** The newest item the last successful sync saw: where an incremental sync stops. */
  since?: { platformContentId: string; publishedAt: string };
  /** A sync in progress: the job, where to go on, what it has done. A retry of that job resumes here. */
  resume?: { jobId: string; cursor: string; pages: number; items: number; inserted: number; startedAt: string; newest?: SyncState['since'] };
}

/** How far back a platform's listing reaches: past it, an item not seen is not known to be gone (X shows the latest 3,200). */
const REACH: Partial<Record<Platform, number>> = { twitter: 3_200 };

interface Account {
  id: string;
  userId: string;
  platform: Platform;
  platformId: string;
  platformAccountId: string;
  connectionId: string;
  secretName: string;
  state: SyncState;
}

async function loadAccount(context: JobContext, socialAccountId: string): Promise<Account> {
  const [row] = await context.service((tx) => tx`
    SELECT a.id, a.user_id, a.platform_id, p.slug AS platform, a.platform_account_id, a.sync_cursor, a.deleted_at, a.sync_enabled,
           c.id AS connection_id, c.vault_secret_name, c.is_active, cs.slug AS status
    FROM social_account a JOIN platform p ON p.id = a.platform_id
    LEFT JOIN platform_connection c ON c.id = a.connection_id LEFT JOIN account_status cs ON cs.id = c.status_id
    WHERE a.id = ${socialAccountId} AND a.user_id = ${context.job.userId}`);
  if (!row || row.deleted_at) throw new PermanentJobError('The account is not connected any more');
  if (!row.connection_id || !row.is_active || row.status !== 'active') {
    throw new PermanentJobError('The account needs reconnecting before it can sync');
  }
  let state: SyncState = {};
  try {
    state = row.sync_cursor ? JSON.parse(row.sync_cursor as string) as SyncState : {};
  } catch { /* an unreadable cursor: start over */ }
  return {
    id: row.id, userId: row.user_id, platform: row.platform, platformId: row.platform_id, platformAccountId: row.platform_account_id,
    connectionId: row.connection_id, secretName: row.vault_secret_name, state,
  };
}

/**
 * Calls the provider with the account's tokens. An expired or revoked token (invalid_grant) gets one refresh through
 * the vault and one more try; a provider that refuses the refresh, or still refuses the new token, means the grant is
 * gone: the account is marked for reconnecting (the user is told) and the job fails for good. A provider that names a
 * time to come back defers the job until then; other provider failures are retried with backoff or fail for good.
 */
function providerCalls(context: JobContext, account: Account) {
  let tokens: Promise<TokenSet> | undefined;
  const current = () => (tokens ??= tokenVault().get(account.secretName));
  return async <T>(call: (tokens: TokenSet) => Promise<T>): Promise<T> => {
    try {
      const used = await current();
      try {
        return await call(used);
      } catch (error) {
        if (!(error instanceof ProviderError) || error.kind !== 'invalid_grant') throw error;
        const refreshed = await refreshConnection(db(), tokenVault(), account.connectionId, { rejectedAccessToken: used.accessToken });
        if (refreshed.outcome === 'needs_reconnect' || refreshed.outcome === 'inactive') throw error;
        tokens = tokenVault().get(account.secretName);
        return await call(await current());
      }
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      if (error.kind === 'invalid_grant') {
        await context.service((tx) => markNeedsReconnect(tx, account.connectionId));
        throw new PermanentJobError(`${error.platform} no longer accepts this account's authorization: reconnect it (${error.message})`);
      }
      if (error.kind === 'rate_limited' && error.details.retryAfterSeconds) {
        throw new DeferJobError(`${error.platform} asked us to wait: ${error.message}`, new Date(Date.now() + error.details.retryAfterSeconds * 1000));
      }
      if (!error.retryable) throw new PermanentJobError(`${error.platform} refused the sync (${error.kind}): ${error.message}`);
      throw error;
    }
  };
}

/** The items of a page an incremental sync still needs: those newer than what the last sync saw (then it stops). */
function newerThan(items: SourceItem[], since: SyncState['since']): { items: SourceItem[]; reachedKnown: boolean } {
  if (!since) return { items, reachedKnown: false };
  const sinceMs = Date.parse(since.publishedAt);
  const at = items.findIndex((item) => item.platformContentId === since.platformContentId || Date.parse(item.publishedAt) < sinceMs);
  return at === -1 ? { items, reachedKnown: false } : { items: items.slice(0, at), reachedKnown: true };
}

/**
 * One account's sync: every page to the end (full) or down to what the last sync saw (incremental), each page written
 * with the resume point in one transaction, so a retry after a crash goes on from the next page without duplicates or
 * gaps; progress after each page (a cancel stops it there, the pages written stay); then the account's totals, and for
 * a full sync the items that are gone at the source.
 */
export async function syncAccount(context: JobContext, socialAccountId: string, full: boolean) {
  const account = await loadAccount(context, socialAccountId);
  const source: ContentSource = await sourceFor(account.platform);
  const withTokens = providerCalls(context, account);
  const resume = account.state.resume?.jobId === context.job.id ? account.state.resume : undefined;
  const progress = resume ?? { jobId: context.job.id, cursor: '', pages: 0, items: 0, inserted: 0, startedAt: new Date().toISOString() };
  const since = full ? undefined : account.state.since;
  const options: ReadOptions = { platformAccountId: account.platformAccountId, ...(since ? { since } : {}) };
  const target = { socialAccountId: account.id, userId: account.userId, platformId: account.platformId };
  const startedAt = new Date(progress.startedAt);
  const cursor: string | undefined = resume?.cursor || undefined;
  let quotaUnits = 0;
  let total: number | undefined;
  if (resume) await context.log('info', `resuming after page ${resume.pages} (${resume.items} items written)`);

  const readPage = (at: string | undefined) => {
    const reading = withTokens((tokens) => source.page(tokens, options, at));
    // Read ahead, it may never be awaited (the write failed, the job was cancelled or defers): not an unhandled rejection.
    reading.catch(() => {});
    return reading;
  };
  let reading = readPage(cursor);
  for (;;) {
    const page = await reading;
    quotaUnits += page.quotaUnits ?? 0;
    total ??= page.total;
    const { items, reachedKnown } = newerThan(page.items, since);
    progress.newest ??= items[0] ? { platformContentId: items[0].platformContentId, publishedAt: items[0].publishedAt } : undefined;
    const next = reachedKnown ? undefined : page.next;
    // The next page is fetched while this one is written: the provider's time hides behind the database's. A page read
    // ahead and then dropped (a cancel, a deferral, a failed write) costs its quota again when the sync goes on.
    if (next) reading = readPage(next);
    // The page and the point to resume from commit together (`inserted` in the stored point counts the pages before).
    const after = { ...progress, pages: progress.pages + 1, items: progress.items + items.length, cursor: next ?? '' };
    const percent = total ? Math.min(99, (after.items / Math.max(total, 1)) * 100) : Math.min(95, after.pages * 5);
    // The page, the point to resume from and the progress report commit together.
    const { counts, running } = await context.service(async (tx) => ({
      counts: await writePage(tx, target, items, startedAt, JSON.stringify({ ...account.state, resume: after })),
      running: await context.progressIn(tx, percent, `${after.items}${total ? ` of ${total}` : ''} items, ${after.pages} pages`),
    }));
    Object.assign(progress, after, { inserted: progress.inserted + counts.inserted });
    if (!running) throw new JobCancelledError(`job ${context.job.id} was cancelled after page ${progress.pages}`);
    if (!next) break;
    // Out of time: the next invocation resumes from this page (the resume point is committed).
    if (context.remainingMs() < CONTINUE_BEFORE_TIMEOUT_MS) {
      throw new DeferJobError(`continuing in a new invocation after page ${progress.pages}`, new Date(Date.now() + 2_000));
    }
  }

  const stats = await withTokens((tokens) => source.stats(tokens, options));
  const reach = REACH[account.platform];
  const removed = full && (reach === undefined || progress.items < reach)
    ? await context.service((tx) => markRemoved(tx, account.id, startedAt)) : 0;
  const state: SyncState = { since: progress.newest ?? account.state.since };
  await context.service(async (tx) => {
    await tx`
      UPDATE social_account SET sync_cursor = ${JSON.stringify(state)}, last_synced_at = now(), last_sync_error = NULL,
        follower_count = coalesce(${stats.followerCount ?? null}, follower_count), following_count = coalesce(${stats.followingCount ?? null}, following_count),
        content_count = coalesce(${stats.contentCount ?? null}, content_count), total_views = coalesce(${stats.totalViews ?? null}, total_views)
      WHERE id = ${account.id}`;
    await tx`
      UPDATE users SET total_followers = (SELECT coalesce(sum(follower_count), 0) FROM social_account WHERE user_id = ${account.userId} AND deleted_at IS NULL)
      WHERE id = ${account.userId}`;
  });
  return { platform: account.platform, full, pages: progress.pages, items: progress.items, inserted: progress.inserted, removed, quota_units: quotaUnits,
    follower_count: stats.followerCount ?? null };
}

/** sync_<platform> and auto_sync: one account's content. */
export const syncExecutor: Executor = async (context) => {
  const params = SyncParams.safeParse(context.job.params);
  if (!params.success) throw new PermanentJobError('a sync needs { social_account_id: uuid, full?: boolean }');
  return syncAccount(context, params.data.social_account_id, params.data.full ?? false);
};

/** follower_sync: only the account's totals (one call), no content. */
export const followerSyncExecutor: Executor = async (context) => {
  const params = SyncParams.safeParse(context.job.params);
  if (!params.success) throw new PermanentJobError('a follower sync needs { social_account_id: uuid }');
  const account = await loadAccount(context, params.data.social_account_id);
  const source = await sourceFor(account.platform);
  const stats = await providerCalls(context, account)((tokens) => source.stats(tokens, { platformAccountId: account.platformAccountId }));
  await context.service(async (tx) => {
    await tx`UPDATE social_account SET follower_count = coalesce(${stats.followerCount ?? null}, follower_count),
               following_count = coalesce(${stats.followingCount ?? null}, following_count) WHERE id = ${account.id}`;
    await tx`UPDATE users SET total_followers = (SELECT coalesce(sum(follower_count), 0) FROM social_account WHERE user_id = ${account.userId} AND deleted_at IS NULL)
             WHERE id = ${account.userId}`;
  });
  return { platform: account.platform, follower_count: stats.followerCount ?? null };
};
