import { db } from '../_shared/db.ts';
import { deadLetterQueueUrls } from '../_shared/queues.ts';
import { jobWorker } from '../jobs/worker.ts';
import { aiEndpoints, providerKeys } from './config.ts';
import { bulkTagExecutor, generateTagsExecutor } from './executor.ts';

db();
deadLetterQueueUrls();
aiEndpoints();
for (const key of Object.values(providerKeys)) key.configured();
/** The ai queue's worker: one item's suggestion, or many items' in one job. */
export const handler = jobWorker('ai', { ai_generate_tags: generateTagsExecutor, ai_bulk_tag: bulkTagExecutor });
