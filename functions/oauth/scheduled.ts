import { db } from '../_shared/db.ts';
import { scheduledHandler } from '../_shared/task.ts';
import { jobDispatcher } from '../jobs/dispatcher.ts';
import { tasks } from './tasks.ts';

db();
jobDispatcher();
/** The oauth feature's scheduled Lambda: token refresh jobs and the purge of old authorizations. */
export const handler = scheduledHandler(tasks);
