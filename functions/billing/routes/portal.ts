import * as z from 'zod/mini';
import { defineRoute } from '../../_shared/route.ts';
import { billingConfig } from '../config.ts';
import { ensureCustomer } from '../customer.ts';
import { stripe } from '../stripe.ts';

const PortalResponse = () => z.object({ url: z.string() });

/** A Stripe Customer Portal session for the caller's customer: change plan, cancel or resume, payment methods, invoices. */
export const portalRoute = defineRoute({
  method: 'POST', path: '/billing-portal', auth: 'user', tags: ['Billing'], response: PortalResponse,
  summary: 'The URL of the caller’s Stripe Customer Portal (plan, cancellation, payment method, invoices)',
}, async ({ claims }) => {
  const customer = await ensureCustomer(claims.sub);
  const session = await (await stripe()).billingPortal.sessions.create({ customer, return_url: billingConfig().BILLING_RETURN_URL });
  return { url: session.url };
});
