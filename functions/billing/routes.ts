import { adminSubscriptionsRoute } from './routes/admin-subscriptions.ts';
import { billingRoute } from './routes/billing.ts';
import { checkoutRoute } from './routes/checkout.ts';
import { portalRoute } from './routes/portal.ts';
import { stripeWebhookRoute } from './routes/stripe-webhook.ts';

/** The billing feature's routes: one Lambda (http.ts) serves them; the manifest and the OpenAPI document list them. */
export const routes = [stripeWebhookRoute, checkoutRoute, portalRoute, billingRoute, adminSubscriptionsRoute];
