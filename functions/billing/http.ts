import { db } from '../_shared/db.ts';
import { httpRouter } from '../_shared/http.ts';
import { routes } from './routes.ts';
import { webhookSecrets } from './routes/stripe-webhook.ts';

db();
webhookSecrets.configured();
/** The billing feature's Lambda: Stripe's webhook. */
export const handler = httpRouter(routes);
