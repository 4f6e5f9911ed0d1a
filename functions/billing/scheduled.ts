import { db } from '../_shared/db.ts';
import { scheduledHandler } from '../_shared/task.ts';
import { billingConfig } from './config.ts';
import { stripeApiKey } from './stripe.ts';
import { tasks } from './tasks.ts';

db();
billingConfig();
stripeApiKey.configured();
/** The billing feature's scheduled Lambda: retries of Stripe events, due subscription changes. */
export const handler = scheduledHandler(tasks);
