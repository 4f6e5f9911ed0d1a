import { db } from '../_shared/db.ts';
import { scheduledHandler } from '../_shared/task.ts';
import { jobDispatcher } from './dispatcher.ts';
import { tasks } from './tasks.ts';

db();
jobDispatcher();
/** The jobs feature's scheduled Lambda: the outbox sweep, stuck-job detection, retries, expiry, cleanup, quota reset and trending refresh. */
export const handler = scheduledHandler(tasks);
