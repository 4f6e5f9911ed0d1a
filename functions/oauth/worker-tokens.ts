import * as z from 'zod/mini';
import { db } from '../_shared/db.ts';
import { deadLetterQueueUrls } from '../_shared/queues.ts';
import { uuid } from '../_shared/schemas.ts';
import { PermanentJobError, type Executor } from '../jobs/executor.ts';
import { jobWorker } from '../jobs/worker.ts';
import { oauthClients, oauthSettings } from './config.ts';
import { ProviderError } from './providers/port.ts';
import { refreshConnection } from './refresh.ts';
import { tokenVault } from './vault.ts';

const RefreshParams = z.object({ connection_id: uuid });

/**
 * token_refresh: refreshes one connection. A revoked grant is an outcome, not a failure (the account is marked for
 * reconnection and the job completes: no retries burned); 429/5xx are retried with the job's backoff; our own
 * misconfiguration (invalid_client) or an answer we cannot read fails for good, for an operator to see.
 */
export const tokenRefresh: Executor = async ({ job }) => {
  const params = RefreshParams.safeParse(job.params);
  if (!params.success) throw new PermanentJobError('token_refresh needs { connection_id: uuid }');
  try {
    return await refreshConnection(db(), tokenVault(), params.data.connection_id);
  } catch (error) {
    if (error instanceof ProviderError && !error.retryable) throw new PermanentJobError(`${error.platform} refused the refresh (${error.kind}): ${error.message}`);
    throw error;
  }
};

db();
deadLetterQueueUrls();
oauthSettings();
oauthClients.configured();
/** The tokens queue's worker: OAuth token refreshes. */
export const handler = jobWorker('tokens', { token_refresh: tokenRefresh });
