import { db } from '../_shared/db.ts';
import { deadLetterQueueUrls } from '../_shared/queues.ts';
import { jobWorker } from '../jobs/worker.ts';
import { oauthClients, oauthSettings } from '../oauth/config.ts';
import { followerSyncExecutor, syncExecutor } from './executor.ts';

db();
deadLetterQueueUrls();
oauthSettings();
oauthClients.configured();
/** The sync queue's worker: content syncs (one per platform, and the scheduled auto syncs) and follower counts. */
export const handler = jobWorker('sync', {
  sync_youtube: syncExecutor, sync_instagram: syncExecutor, sync_tiktok: syncExecutor, sync_facebook: syncExecutor, sync_twitter: syncExecutor,
  auto_sync: syncExecutor, follower_sync: followerSyncExecutor,
});
