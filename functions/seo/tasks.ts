import { asService, db } from '../_shared/db.ts';
import { defineTask } from '../_shared/task.ts';
import { indexNowCredentials, seoSettings } from './config.ts';
import { dispatchSeoJobs } from './queries.ts';

/** A creator's queue is drained once it has been this quiet (a sync's pages land seconds apart)… */
export const AUTO_SUBMIT_QUIET_SECONDS = 30;
/** …or once its oldest change has waited this long (a creator who never stops editing). */
export const AUTO_SUBMIT_MAX_WAIT_SECONDS = 600;

/** The queued page changes of quiet creators as submissions and jobs (drain_seo_pending, 020): the jobs made. */
export const takePendingChanges = () => asService(db(), (tx) => tx<{ job_id: string; engine: string; urls: number }[]>`
  SELECT * FROM drain_seo_pending(${seoSettings().site}, ${indexNowCredentials() !== undefined},
                                  make_interval(secs => ${AUTO_SUBMIT_QUIET_SECONDS}), make_interval(secs => ${AUTO_SUBMIT_MAX_WAIT_SECONDS}))`);

/** Every minute: the pending changes drained, and their jobs sent to the seo queue. */
export async function drainAutoSubmit() {
  const jobs = await takePendingChanges();
  await dispatchSeoJobs(db(), jobs.map((job) => job.job_id));
  return { jobs: jobs.length, urls: jobs.reduce((sum, job) => sum + job.urls, 0) };
}

export const tasks = [
  defineTask({ name: 'seo-auto-submit', everyMinutes: 1,
    description: 'Submits the pages of creators with auto-submit on that changed, coalesced per engine request' }, drainAutoSubmit),
];
