import * as z from 'zod/mini';
import { db } from '../_shared/db.ts';
import { uuid } from '../_shared/schemas.ts';
import { DeferJobError, JobCancelledError, PermanentJobError, type Executor, type JobContext } from '../jobs/executor.ts';
import { ProviderError, type Platform, type TokenSet } from '../oauth/providers/port.ts';
import { markNeedsReconnect, refreshConnection } from '../oauth/refresh.ts';
import { tokenVault } from '../oauth/vault.ts';
import { sourceFor } from './sources/index.ts';
import type { ContentSource, ReadOptions, SourceItem, SourcePage } from './sources/port.ts';
import { markRemoved, writePage } from './write.ts';

/**
 * Items read ahead of the writes at most. A write takes every page read while the last one was written: when the
 * database is the slower side, a transaction carries several pages, with fewer round trips and statements per item
 * (bench:sync, 50,000 items: 0.48× COPY's rows/s one page per write, 0.65× with 250 read ahead, 0.75× with 1,000). A
 * crash or a cancel costs at most this much quota again (YouTube: 40 of the day's 10,000 units).
 */
const READ_AHEAD_ITEMS = 1_000;

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

/** A page as the sync keeps it: the items it still needs, and where to read next (none: the sync has all it needs). */
interface ReadPage { items: SourceItem[]; next: string | undefined; total: number | undefined; quotaUnits: number }

/**
 * Reads pages in order ahead of the writes. `take()` answers every page read since its last call, waiting for one
 * when there is none, and [] once the last page was taken; a failed read is raised by the `take()` after the pages
 * read before it. Reading pauses while READ_AHEAD_ITEMS wait to be written; `stop()` ends it.
 */
function readAhead(read: (at: string | undefined) => Promise<ReadPage>, start: string | undefined) {
  const ready: ReadPage[] = [];
  let failure: { error: unknown } | undefined;
  let done = false;
  let stopped = false;
  // The reader waits only when the buffer is full and take() only when it is empty: one waiter at a time.
  let wake = () => {};
  const changed = () => new Promise<void>((resolve) => { wake = resolve; });
  void (async () => {
    try {
      for (let at = start; ;) {
        while (!stopped && ready.reduce((n, page) => n + page.items.length, 0) >= READ_AHEAD_ITEMS) await changed();
        if (stopped) break;
        const page = await read(at);
        ready.push(page);
        wake();
        if (page.next === undefined) break;
        at = page.next;
      }
    } catch (error) {
      failure = { error };
    }
    done = true;
    wake();
  })();
  return {
    async take(): Promise<ReadPage[]> {
      while (!ready.length && !done) await changed();
      if (!ready.length && failure) throw failure.error;
      const pages = ready.splice(0);
      wake();
      return pages;
    },
    stop() {
      stopped = true;
      wake();
    },
  };
}

/**
 * One account's sync: every page to the end (full) or down to what the last sync saw (incremental), pages written
 * with the resume point in one transaction, so a retry after a crash goes on from the next page without duplicates or
 * gaps; progress after each write (a cancel stops it there, the pages written stay); then the account's totals, and
 * for a full sync the items that are gone at the source.
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
  let quotaUnits = 0;
  let total: number | undefined;
  if (resume) await context.log('info', `resuming after page ${resume.pages} (${resume.items} items written)`);

  // The provider's time hides behind the database's. Pages read ahead and then dropped (a cancel, a deferral, a failed
  // write) cost their quota again when the sync goes on.
  const reader = readAhead(async (at) => {
    const page: SourcePage = await withTokens((tokens) => source.page(tokens, options, at));
    const { items, reachedKnown } = newerThan(page.items, since);
    return { items, next: reachedKnown ? undefined : page.next, total: page.total, quotaUnits: page.quotaUnits ?? 0 };
  }, resume?.cursor || undefined);
  try {
    for (;;) {
      const pages = await reader.take();
      const last = pages.at(-1);
      if (!last) break;
      const items = pages.flatMap((page) => page.items);
      quotaUnits += pages.reduce((units, page) => units + page.quotaUnits, 0);
      total ??= pages[0]!.total;
      progress.newest ??= items[0] ? { platformContentId: items[0].platformContentId, publishedAt: items[0].publishedAt } : undefined;
      // The pages and the point to resume from commit together (`inserted` in the stored point counts the pages before).
      const after = { ...progress, pages: progress.pages + pages.length, items: progress.items + items.length, cursor: last.next ?? '' };
      const percent = total ? Math.min(99, (after.items / Math.max(total, 1)) * 100) : Math.min(95, after.pages * 5);
      // The pages, the point to resume from and the progress report commit together.
      const { counts, running } = await context.service(async (tx) => ({
        counts: await writePage(tx, target, items, startedAt, JSON.stringify({ ...account.state, resume: after })),
        running: await context.progressIn(tx, percent, `${after.items}${total ? ` of ${total}` : ''} items, ${after.pages} pages`),
      }));
      Object.assign(progress, after, { inserted: progress.inserted + counts.inserted });
      if (!running) throw new JobCancelledError(`job ${context.job.id} was cancelled after page ${progress.pages}`);
      if (last.next === undefined) break;
      // Out of time: the next invocation resumes from this page (the resume point is committed).
      if (context.remainingMs() < CONTINUE_BEFORE_TIMEOUT_MS) {
        throw new DeferJobError(`continuing in a new invocation after page ${progress.pages}`, new Date(Date.now() + 2_000));
      }
    }
  } finally {
    reader.stop();
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
