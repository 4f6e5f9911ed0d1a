import { stripeWebhookRoute } from './routes/stripe-webhook.ts';

/** The billing feature's routes: one Lambda (http.ts) serves them; the manifest and the OpenAPI document list them. */
export const routes = [stripeWebhookRoute];
