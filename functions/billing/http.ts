import { db } from '../_shared/db.ts';
import { httpRouter } from '../_shared/http.ts';
import { billingConfig } from './config.ts';
import { routes } from './routes.ts';
import { webhookSecrets } from './routes/stripe-webhook.ts';
import { stripeApiKey } from './stripe.ts';

db();
billingConfig();
webhookSecrets.configured();
stripeApiKey.configured();
/** The billing feature's Lambda: Stripe's webhook, checkout, the customer portal, the caller's plan and admins' list. */
export const handler = httpRouter(routes);
