import { asService, db } from '../_shared/db.ts';
import { defineTask } from '../_shared/task.ts';

/** The AI feature's schedules, run by its scheduled Lambda. */

/** Keywords kept per scope (category × platform, category, everything). */
const TRENDING_TOP_PER_SCOPE = 50;

/** Hourly: trending_keyword from the last week's discoverable content and accepted AI tags (015). */
export const refreshTrendingKeywords = () => asService(db(), async (tx) =>
  ({ keywords: (await tx`SELECT public.refresh_trending_keywords(${TRENDING_TOP_PER_SCOPE}) AS n`)[0]!.n as number }));

export const tasks = [
  defineTask({ name: 'trending-keywords', everyMinutes: 60,
    description: 'Recomputes trending keywords per category and platform from recent content and accepted AI tags' },
  refreshTrendingKeywords),
];
