import { asService, sql } from '../_shared/db.ts';

/** Discovery's periodic refreshes (EventBridge Scheduler in AWS, the local scheduler under npm start). */

const CATEGORY_COUNTS_TTL_SECONDS = 600;

/**
 * Daily: the typo-correction lexicon from the titles of discoverable items, and the common search terms with their
 * recency lists (one transaction each: the second briefly holds back content writes when a term becomes common).
 */
export async function refreshSearchLexicon() {
  const words = await asService(sql, async (tx) => (await tx`SELECT search.refresh_lexicon() AS n`)[0]!.n as number);
  const commonTerms = await asService(sql, async (tx) => (await tx`SELECT search.refresh_common_terms() AS n`)[0]!.n as number);
  return { words, commonTerms };
}

/** Every 5 minutes: per-category item counts for /browse-categories (kept 10 minutes, so the route never counts). */
export const refreshCategoryCounts = () =>
  asService(sql, async (tx) => ({ refreshed: (await tx`SELECT search.refresh_category_counts(${CATEGORY_COUNTS_TTL_SECONDS}) AS r`)[0]!.r }));

/** Hourly: creators' content and view totals (browse-creators' popular sort). */
export const refreshCreatorStats = () =>
  asService(sql, async (tx) => ({ creators: (await tx`SELECT search.refresh_creator_stats() AS n`)[0]!.n as number }));
