import { db } from '../_shared/db.ts';
import { deadLetterQueueUrls } from '../_shared/queues.ts';
import { quotaReset, trendingRefresh } from './executors/maintenance.ts';
import { jobWorker } from './worker.ts';

db();
deadLetterQueueUrls();
/** The maintenance queue's worker: quota cycle resets and trending refreshes. */
export const handler = jobWorker('maintenance', { quota_reset: quotaReset, trending_refresh: trendingRefresh });
