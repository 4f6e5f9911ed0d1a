import type { Sql } from 'postgres';
import { ConflictError, NotFoundError, RateLimitedError } from '../_shared/errors.ts';
import { indexNowCredentials, seoSettings } from './config.ts';
import type { SearchEngineName } from './engines/port.ts';
import { UpgradeRequiredError } from './errors.ts';
import { pageOf, type SitePage } from './pages.ts';
import { dispatchSeoJobs, requestSubmission, type SubmissionRequest } from './queries.ts';

/**
 * Submits one of the user's public pages to an engine: a seo_submit job (202). The page is named by item id or URL;
 * the database checks it is the caller's and public, finds the connection that covers it, and takes the engine's daily
 * use and a unit of the month's quota with the job, or nothing.
 */
export async function submit(sql: Sql, userId: string, input: { content_item_id?: string; url?: string; search_engine: SearchEngineName }) {
  const { site } = seoSettings();
  if (input.search_engine === 'indexnow' && !indexNowCredentials()) {
    throw new ConflictError('IndexNow is not set up on this deployment (no INDEXNOW_KEY): submit to google or bing instead');
  }
  const page: SitePage = input.content_item_id ? { contentItemId: input.content_item_id, creatorSlug: null } : pageOf(input.url!, site);
  const row = await requestSubmission(sql, userId, site, input.search_engine, page);
  if (row.outcome === 'created') {
    await dispatchSeoJobs(sql, [row.job_id!]);
  } else if (row.outcome !== 'open') {
    throw refusal(row, input.search_engine);
  }
  return {
    submission_id: row.submission_id!, job_id: row.job_id, url: row.submitted_url!, search_engine: input.search_engine,
    created: row.outcome === 'created', status: 'pending',
  };
}

function refusal(row: SubmissionRequest, engine: SearchEngineName): Error {
  const day = (date: Date | null) => date?.toISOString().slice(0, 10) ?? 'the next cycle';
  switch (row.outcome) {
    case 'not_found': return new NotFoundError('Not one of your public pages: only your own public, live items and creator page can be submitted');
    case 'no_connection': return new ConflictError(
      `No active ${engine} connection covers ${row.submitted_url}: connect ${engine} for a site_url that starts it (POST /seo-connections)`);
    case 'daily_limit': return new RateLimitedError(
      `You have submitted ${row.quota_used} URLs to ${engine} today, its daily limit; more can be sent after ${row.resets_at!.toISOString()}`,
      { quota: 'seo_daily', search_engine: engine, limit: row.quota_limit, used: row.quota_used, resets_at: row.resets_at!.toISOString() });
    default: {
      const details = { quota: 'seo_submission', tier: row.tier, limit: row.quota_limit, used: row.quota_used, resets_at: row.resets_at?.toISOString() ?? null };
      if (row.quota_limit === 0) {
        return new UpgradeRequiredError(`Your ${row.tier} plan has no search-engine submissions: upgrade your plan to submit your pages to search engines`, details);
      }
      return new RateLimitedError(`Your ${row.tier} plan's ${row.quota_limit} SEO submissions this month are used; they reset on ${day(row.resets_at)}, or upgrade for more`, details);
    }
  }
}
