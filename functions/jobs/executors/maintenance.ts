import type { Executor } from '../executor.ts';

/** quota_reset: rolls every ended quota cycle forward, archiving its usage (reset_expired_quotas). */
export const quotaReset: Executor = async ({ progress, service }) => {
  await progress(10, 'Resetting ended quota cycles');
  const [row] = await service((tx) => tx`SELECT reset_expired_quotas() AS reset`);
  await progress(100, `Reset ${row!.reset} subscriptions`);
  return { subscriptions_reset: row!.reset as number };
};

/** trending_refresh: rebuilds today/week/month/all-time trending ranks (refresh_trending_content). */
export const trendingRefresh: Executor = async ({ job, progress, service }) => {
  const limit = typeof job.params.limit === 'number' ? job.params.limit : 100;
  await progress(10, 'Ranking trending content');
  const [row] = await service((tx) => tx`SELECT refresh_trending_content(${limit}) AS ranked`);
  await progress(100, `Ranked ${row!.ranked} items`);
  return { ranked: row!.ranked as number };
};
