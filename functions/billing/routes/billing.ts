import type Stripe from 'stripe';
import type { TransactionSql } from 'postgres';
import * as z from 'zod/mini';
import { asService, db } from '../../_shared/db.ts';
import { NotFoundError } from '../../_shared/errors.ts';
import { logger } from '../../_shared/logger.ts';
import { defineRoute } from '../../_shared/route.ts';
import { invoiceCacheKey } from '../events.ts';
import { stripe } from '../stripe.ts';

/** How long a customer's invoice list is served from cache_store; invoice and subscription events drop it sooner. */
const INVOICE_CACHE_SECONDS = 600;
const INVOICES_SHOWN = 10;

const Invoice = z.object({
  id: z.string(), number: z.nullable(z.string()), status: z.nullable(z.string()), currency: z.string(),
  amount_due_cents: z.number(), amount_paid_cents: z.number(), created: z.string(),
  period_start: z.nullable(z.string()), period_end: z.nullable(z.string()),
  hosted_invoice_url: z.nullable(z.string()), invoice_pdf: z.nullable(z.string()),
});
type Invoice = z.output<typeof Invoice>;
const BillingResponse = () => z.object({
  tier: z.string().check(z.describe('the tier whose limits apply now')),
  billed_tier: z.nullable(z.string()).check(z.describe('the tier Stripe bills (differs while a downgrade waits for the period end, or while a past-due payment is missing)')),
  status: z.string(),
  current_period_end: z.nullable(z.string()),
  cancel_at_period_end: z.boolean(),
  scheduled_change: z.nullable(z.object({ tier: z.string(), at: z.string() })),
  grace_until: z.nullable(z.string()),
  quotas: z.array(z.object({ quota_type: z.string(), used: z.number(), limit: z.number(), remaining: z.number() })),
  social_accounts: z.object({ connected: z.number(), limit: z.number() }),
  invoices: z.nullable(z.array(Invoice)).check(z.describe('the latest invoices; null while Stripe cannot be reached')),
});

/**
 * The caller's plan: the tier in effect and what Stripe bills, status, period end, pending changes, quota usage and
 * the latest invoices. Invoices come from Stripe through the seed's cache (cache_stripe_data), so repeated reads do
 * not call Stripe.
 */
export const billingRoute = defineRoute({
  method: 'GET', path: '/billing', auth: 'user', tags: ['Billing'], response: BillingResponse,
  summary: 'The caller’s plan, its status and period, quota usage and latest invoices',
}, async ({ claims }) => asService(db(), async (tx) => {
  const [row] = await tx`
    SELECT q.*, s.cancel_at_period_end, s.cycle_end_date, s.grace_until, s.scheduled_change_at, s.stripe_subscription_id,
           st.slug AS status, sched.slug AS scheduled_tier, billed.slug AS billed_tier, u.stripe_customer_id,
           (SELECT count(*)::int FROM social_account a WHERE a.user_id = u.id AND a.deleted_at IS NULL) AS connected
    FROM users u CROSS JOIN LATERAL effective_quota(u.id) q
    LEFT JOIN subscription s ON s.user_id = u.id LEFT JOIN subscription_status st ON st.id = s.status_id
    LEFT JOIN subscription_tier sched ON sched.id = s.scheduled_tier_id
    LEFT JOIN subscription_tier billed ON billed.id = s.billed_tier_id
    WHERE u.id = ${claims.sub} AND u.deleted_at IS NULL`;
  if (!row) throw new NotFoundError('No account for this user yet: set up your profile first');
  const iso = (value: Date | null) => value?.toISOString() ?? null;
  return {
    tier: row.tier_slug, billed_tier: row.billed_tier ?? null, status: row.status ?? 'none',
    current_period_end: row.stripe_subscription_id ? iso(row.cycle_end_date) : null,
    cancel_at_period_end: row.cancel_at_period_end ?? false,
    scheduled_change: row.scheduled_tier ? { tier: row.scheduled_tier, at: row.scheduled_change_at.toISOString() } : null,
    grace_until: iso(row.grace_until),
    quotas: [
      quota('sync', row.syncs_used, row.max_syncs), quota('ai_analysis', row.ai_analyses_used, row.max_ai_analyses),
      quota('seo_submission', row.seo_submissions_used, row.max_seo_submissions),
    ],
    social_accounts: { connected: row.connected, limit: row.max_social_accounts },
    invoices: row.stripe_customer_id ? await latestInvoices(tx, row.stripe_customer_id) : [],
  };
}));

const quota = (quotaType: string, used: number, limit: number) => ({ quota_type: quotaType, used, limit, remaining: Math.max(limit - used, 0) });

/** The customer's latest invoices: from the cache while fresh, else from Stripe (and cached); null when Stripe fails. */
async function latestInvoices(tx: TransactionSql, customer: string): Promise<Invoice[] | null> {
  const key = invoiceCacheKey(customer);
  const [cached] = await tx`SELECT get_cached_stripe_data(${key}) AS value`;
  if (cached?.value) return cached.value as Invoice[];
  const list = await (await stripe()).invoices.list({ customer, limit: INVOICES_SHOWN }).catch((error: unknown) => {
    // The plan itself is ours: a Stripe outage leaves only the invoices out of the answer.
    logger.warn('stripe invoices unavailable', { customer, error: error as Error });
    return undefined;
  });
  if (!list) return null;
  const invoices = list.data.map(toInvoice);
  await tx`SELECT cache_stripe_data(${key}, ${tx.json(invoices as never)}, ${INVOICE_CACHE_SECONDS})`;
  return invoices;
}

const when = (unix: number | null | undefined) => (typeof unix === 'number' ? new Date(unix * 1000).toISOString() : null);
function toInvoice(invoice: Stripe.Invoice): Invoice {
  const period = invoice.lines?.data?.[0]?.period;
  return {
    id: invoice.id!, number: invoice.number ?? null, status: invoice.status ?? null, currency: invoice.currency,
    amount_due_cents: invoice.amount_due, amount_paid_cents: invoice.amount_paid, created: when(invoice.created)!,
    period_start: when(period?.start), period_end: when(period?.end),
    hosted_invoice_url: invoice.hosted_invoice_url ?? null, invoice_pdf: invoice.invoice_pdf ?? null,
  };
}
