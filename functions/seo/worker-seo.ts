import { db } from '../_shared/db.ts';
import { deadLetterQueueUrls } from '../_shared/queues.ts';
import { jobWorker } from '../jobs/worker.ts';
import { seoSettings } from './config.ts';
import { seoSubmitExecutor } from './executor.ts';

db();
deadLetterQueueUrls();
seoSettings();
/** The seo queue's worker: one URL (seo_submit), or a batch of changed pages (seo_bulk_submit, from auto-submit), to one engine. */
export const handler = jobWorker('seo', { seo_submit: seoSubmitExecutor, seo_bulk_submit: seoSubmitExecutor });
