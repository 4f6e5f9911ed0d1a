import { db } from '../_shared/db.ts';
import { scheduledHandler } from '../_shared/task.ts';
import { tasks } from './tasks.ts';

db();
/** The billing feature's scheduled Lambda: retries of Stripe events. */
export const handler = scheduledHandler(tasks);
