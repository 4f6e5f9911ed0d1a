import { asService, db } from '../_shared/db.ts';
import { defineTask } from '../_shared/task.ts';

/** Discovery's periodic refreshes, each with its schedule, run by the feature's scheduled Lambda (scheduled.ts). */

const CATEGORY_COUNTS_TTL_SECONDS = 600;

/**
 * Daily: the typo-correction lexicon from the titles of discoverable items, and the common search terms with their
 * recency lists (one transaction each: the second briefly holds back content writes when a term becomes common).
 */
export async function refreshSearchLexicon() {
  const words = await asService(db(), async (tx) => (await tx`SELECT search.refresh_lexicon() AS n`)[0]!.n as number);
  const commonTerms = await asService(db(), async (tx) => (await tx`SELECT search.refresh_common_terms() AS n`)[0]!.n as number);
  return { words, commonTerms };
}

/** Every 5 minutes: per-category item counts for /browse-categories (kept 10 minutes, so the route never counts). */
export const refreshCategoryCounts = () =>
  asService(db(), async (tx) => ({ refreshed: (await tx`SELECT search.refresh_category_counts(${CATEGORY_COUNTS_TTL_SECONDS}) AS r`)[0]!.r }));

/** Hourly: creators' content and view totals (browse-creators' popular sort). */
export const refreshCreatorStats = () =>
  asService(db(), async (tx) => ({ creators: (await tx`SELECT search.refresh_creator_stats() AS n`)[0]!.n as number }));

/** The discovery feature's schedules. */
export const tasks = [
  defineTask({ name: 'category-counts', everyMinutes: 5, description: 'Recounts items per category for /browse-categories' },
    refreshCategoryCounts),
  defineTask({ name: 'creator-stats', everyMinutes: 60, description: 'Recomputes creators’ content and view totals' }, refreshCreatorStats),
  defineTask({ name: 'search-lexicon', everyMinutes: 24 * 60,
    description: 'Rebuilds the typo-correction lexicon and the common search terms’ recency lists' }, refreshSearchLexicon),
];
