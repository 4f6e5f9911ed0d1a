import type { Platform } from '../../../functions/oauth/providers/port.ts';
import type { TestApi } from '../../api.ts';
import { connectAccount } from '../../oauth-browser.ts';

export interface Creator {
  token: string;
  userId: string;
  email: string;
  accountId: string;
  connectionId: string;
  /** How many items the provider holds for the account (the sandbox's `items-<n>` login). */
  items: number;
}

/**
 * `count` premium creators, each with one connected account of `platform` holding `firstSize`, `firstSize + 1`, …
 * items at the provider (a login is one provider account, so each creator gets its own size).
 */
export async function syncingCreators(api: TestApi, platform: Platform, count: number, firstSize: number): Promise<Creator[]> {
  return Promise.all(Array.from({ length: count }, async (_, i) => {
    const user = await api.signUp();
    await api.db.owner`
      INSERT INTO subscription (user_id, tier_id, status_id) SELECT ${user.userId}, t.id, s.id FROM subscription_tier t, subscription_status s
      WHERE t.slug = 'premium' AND s.slug = 'active'`;
    const { landing } = await connectAccount(api, platform, user.token, `items-${firstSize + i}`);
    if (landing.searchParams.get('connected') !== platform) throw new Error(`connecting ${platform} failed: ${landing.href}`);
    const [account] = await api.db.owner`SELECT id, connection_id FROM social_account WHERE user_id = ${user.userId}`;
    return { ...user, accountId: account!.id as string, connectionId: account!.connection_id as string, items: firstSize + i };
  }));
}

/** Each creator's content rows next to what the provider holds: rows, distinct platform ids, expected. */
export async function contentCounts(api: TestApi, creators: Creator[]) {
  return Promise.all(creators.map(async (c) => {
    const [row] = await api.db.owner`
      SELECT count(*)::int AS rows, count(DISTINCT platform_content_id)::int AS distinct FROM content_item
      WHERE social_account_id = ${c.accountId} AND deleted_at IS NULL`;
    return { rows: row!.rows as number, distinct: row!.distinct as number, expected: c.items };
  }));
}
