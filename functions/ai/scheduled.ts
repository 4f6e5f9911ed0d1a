import { db } from '../_shared/db.ts';
import { scheduledHandler } from '../_shared/task.ts';
import { tasks } from './tasks.ts';

db();
/** The ai feature's scheduled Lambda: the trending keywords. */
export const handler = scheduledHandler(tasks);
