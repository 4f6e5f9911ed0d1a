import { db } from '../_shared/db.ts';
import { scheduledHandler } from '../_shared/task.ts';
import { tasks } from './tasks.ts';

db();
/** The discovery feature's scheduled Lambda: category counts, creator stats and the search lexicon. */
export const handler = scheduledHandler(tasks);
