import { asService, db } from '../_shared/db.ts';
import { NotFoundError } from '../_shared/errors.ts';
import { stripe } from './stripe.ts';

/**
 * The user's one Stripe customer: the linked one, or one created now and linked. The user's row stays locked (FOR NO KEY
 * UPDATE) from the check to the link, so concurrent calls queue and all but the first find it linked; users'
 * stripe_customer_id is unique; and Stripe's idempotency key returns the same customer to a retry whose first answer
 * was lost.
 */
export async function ensureCustomer(userId: string): Promise<string> {
  return asService(db(), async (tx) => {
    const [user] = await tx`SELECT email, stripe_customer_id FROM users WHERE id = ${userId} AND deleted_at IS NULL FOR NO KEY UPDATE`;
    if (!user) throw new NotFoundError('No account for this user yet: set up your profile first');
    if (user.stripe_customer_id) return user.stripe_customer_id as string;
    const customer = await (await stripe()).customers.create(
      { email: user.email as string, metadata: { user_id: userId } }, { idempotencyKey: `streamvibe-customer-${userId}` });
    await tx`UPDATE users SET stripe_customer_id = ${customer.id} WHERE id = ${userId}`;
    return customer.id;
  });
}
