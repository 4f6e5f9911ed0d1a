import type { TransactionSql } from 'postgres';
import { logger } from '../_shared/logger.ts';
import { DeferJobError, PermanentJobError, type Executor, type JobContext } from '../jobs/executor.ts';
import { engines } from './clients.ts';
import { indexNowCredentials } from './config.ts';
import type { SearchEngineName, SeoEngineError, SubmitResult, UrlOutcome } from './engines/port.ts';
import { isMissingSecret, seoVault } from './vault.ts';

interface OpenSubmission {
  id: string;
  url: string;
  type: 'URL_UPDATED' | 'URL_DELETED';
  engine: SearchEngineName;
  connection_id: string | null;
  user_id: string;
  secret_name: string | null;
  site_url: string | null;
  connection_active: boolean | null;
}

/** The soonest a deferred job comes back (defer_job wants a time ahead of now). */
const MIN_DEFER_MS = 1_000;

/**
 * Sends a job's open submissions (one engine, one connection or StreamVibe's IndexNow key) in as few requests as the
 * engine allows, and writes each URL's outcome. An engine that says "later" (quota, 429) defers the job to its window
 * with the URLs it did not take still open; one that refuses the credentials or the site (403) fails the job for good
 * with what to fix, which the connection keeps in last_error (and the user is told, as of every job that fails for
 * good); an outage is retried with backoff.
 */
export const seoSubmitExecutor: Executor = async (context) => {
  const open = await context.service((tx) => tx<OpenSubmission[]>`
    SELECT s.id, s.submitted_url AS url, s.submission_type AS type, e.slug AS engine, s.connection_id, s.user_id,
           c.vault_secret_name AS secret_name, c.site_url, c.is_active AS connection_active
    FROM seo_submission s JOIN search_engine e ON e.id = s.search_engine_id LEFT JOIN seo_connection c ON c.id = s.connection_id
    WHERE s.job_id = ${context.job.id} AND s.status IN ('pending', 'rate_limited')
    ORDER BY s.created_at, s.id`);
  if (open.length === 0) return { submitted: 0, failed: 0, waiting: 0, requests: 0 };
  const first = open[0]!;
  const notifications = open.map((row) => ({ url: row.url, type: row.type === 'URL_DELETED' ? 'deleted' as const : 'updated' as const }));
  const result = await send(first, notifications);
  const outcomes = groupByOutcome(open.map((row, index) => record(row.id, result.results[index]!)));
  const stop = result.stoppedBy;
  const write = (tx: TransactionSql) => tx`SELECT * FROM record_seo_results(${context.job.id}, ${tx.json(outcomes as never)})`;
  if (!stop || stop.kind === 'bad_request') {
    let counts: Record<string, unknown> = {};
    await context.service(async (tx) => {
      counts = { ...(await write(tx))[0], requests: result.requests };
      await context.completeIn(tx, counts);
    });
    return counts;
  }
  await context.service(async (tx) => {
    await write(tx);
    if (stop.kind === 'not_verified' || stop.kind === 'invalid_credentials') await refused(tx, first, stop);
  });
  throw stopError(stop, context);
};

/** Submits through the engine with the credentials the job's rows name. */
async function send(row: OpenSubmission, notifications: { url: string; type: 'updated' | 'deleted' }[]): Promise<SubmitResult> {
  if (row.engine === 'indexnow') {
    const credentials = indexNowCredentials();
    if (!credentials) throw new PermanentJobError('IndexNow is not set up on this deployment (no INDEXNOW_KEY)');
    return engines().indexnow.submit(notifications, credentials);
  }
  if (!row.secret_name || !row.site_url || !row.connection_active) throw new PermanentJobError(`The ${row.engine} connection was removed`);
  let secret;
  try {
    secret = await seoVault().get(row.secret_name);
  } catch (error) {
    if (isMissingSecret(error)) throw new PermanentJobError(`The ${row.engine} connection's credentials are gone: connect ${row.engine} again`);
    throw error;
  }
  if (secret.engine === 'google' && row.engine === 'google') {
    return engines().google.submit(notifications, { serviceAccount: secret.serviceAccount, siteUrl: row.site_url });
  }
  if (secret.engine === 'bing' && row.engine === 'bing') return engines().bing.submit(notifications, { apiKey: secret.apiKey, siteUrl: row.site_url });
  throw new PermanentJobError(`The connection's credentials are not ${row.engine}'s`);
}

/** A URL's outcome as record_seo_results takes it. */
function record(id: string, outcome: UrlOutcome) {
  if (outcome.status === 'accepted') return { id, status: 'submitted', response_status: null, error: null, detail: outcome.detail ?? null };
  const { error } = outcome;
  const waitUntil = error.details.retryAt ?? (error.details.retryAfterSeconds ? new Date(Date.now() + error.details.retryAfterSeconds * 1000).toISOString() : undefined);
  return {
    id, status: outcome.status === 'deferred' ? 'rate_limited' : 'failed', response_status: error.details.status ?? null,
    error: outcome.status === 'deferred' && waitUntil ? `${error.message} (sent again after ${waitUntil})` : error.message, detail: null,
  };
}

type Outcome = Omit<ReturnType<typeof record>, 'id'>;
/** URLs with the same outcome as one entry (`ids`): a batch of thousands is written by one UPDATE, or a few. */
function groupByOutcome(records: ReturnType<typeof record>[]): (Outcome & { ids: string[] })[] {
  const groups = new Map<string, Outcome & { ids: string[] }>();
  for (const { id, ...outcome } of records) {
    const key = JSON.stringify(outcome);
    const group = groups.get(key) ?? { ...outcome, ids: [] };
    group.ids.push(id);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/**
 * The connection keeps the engine's refusal (what to fix) and is no longer verified. Its owner hears of it from the job
 * failing for good (migration 022 notifies each such job once, with its message: the same fix-it text).
 */
async function refused(tx: TransactionSql, row: OpenSubmission, error: SeoEngineError) {
  if (!row.connection_id) {
    logger.error('IndexNow refused StreamVibe’s key: operators must fix the key file', { engine: row.engine, reason: error.kind, message: error.message });
    return;
  }
  await tx`UPDATE seo_connection SET last_error = ${error.message}, is_verified = false WHERE id = ${row.connection_id}`;
}

/** What the worker does with a stopped submission: wait for the engine's window, give up, or retry with backoff. */
function stopError(error: SeoEngineError, context: JobContext): Error {
  if (error.kind === 'quota_exhausted' || error.kind === 'rate_limited') {
    const untilMs = error.details.retryAt ? Date.parse(error.details.retryAt) : Date.now() + (error.details.retryAfterSeconds ?? 60) * 1000;
    void context.log('info', `${error.engine} asked us to wait`, { kind: error.kind, until: new Date(untilMs).toISOString() });
    return new DeferJobError(error.message, new Date(Math.max(untilMs, Date.now() + MIN_DEFER_MS)));
  }
  if (error.kind === 'unavailable') return new Error(error.message, { cause: error });
  return new PermanentJobError(error.message);
}
