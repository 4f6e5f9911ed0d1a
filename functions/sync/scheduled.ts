import { db } from '../_shared/db.ts';
import { scheduledHandler } from '../_shared/task.ts';
import { jobDispatcher } from '../jobs/dispatcher.ts';
import { tasks } from './tasks.ts';

db();
jobDispatcher();
/** The sync feature's scheduled Lambda: auto syncs and follower counts. */
export const handler = scheduledHandler(tasks);
