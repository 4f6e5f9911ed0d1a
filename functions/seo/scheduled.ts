import { db } from '../_shared/db.ts';
import { scheduledHandler } from '../_shared/task.ts';
import { seoSettings } from './config.ts';
import { tasks } from './tasks.ts';

db();
seoSettings();
/** The seo feature's scheduled Lambda: auto-submit. */
export const handler = scheduledHandler(tasks);
