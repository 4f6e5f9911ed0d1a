import { randomUUID } from 'node:crypto';
import type { TestApi } from '../api.ts';

/** StreamVibe's IndexNow key in the SEO tests (set before the stack starts: the seo Lambdas read it at cold start). */
export const TEST_INDEXNOW_KEY = 'streamvibe-test-indexnow-key';

/**
 * A public creator on `tier` with `items` public items, as a sync writes them (auto-submit off: the items queue nothing).
 * `seoMonthly` overrides the tier's monthly SEO submissions for this user alone (a tier of its own).
 */
export async function seoCreator(api: TestApi, { tier = 'premium', items = 3, seoMonthly }: { tier?: string; items?: number; seoMonthly?: number } = {}) {
  const user = await api.signUp();
  const slug = `seo-${user.userId.slice(0, 8)}`;
  await api.db.owner`UPDATE users SET is_public = true, profile_slug = ${slug}, display_name = 'SEO Creator' WHERE id = ${user.userId}`;
  let tierSlug = tier;
  if (seoMonthly !== undefined) {
    tierSlug = `seo-test-${randomUUID().slice(0, 8)}`;
    await api.db.owner`
      INSERT INTO subscription_tier (slug, display_name, price_cents, max_social_accounts, max_syncs_per_month, max_ai_analyses_per_month,
                                     max_seo_submissions_per_month, is_active)
      VALUES (${tierSlug}, 'SEO test', 0, 5, 10, 10, ${seoMonthly}, false)`;
  }
  if (tierSlug !== 'free') {
    await api.db.owner`INSERT INTO subscription (user_id, tier_id, status_id) SELECT ${user.userId}, t.id, s.id
                       FROM subscription_tier t, subscription_status s WHERE t.slug = ${tierSlug} AND s.slug = 'active'`;
  }
  const [account] = await api.db.owner`
    INSERT INTO social_account (user_id, platform_id, platform_account_id, display_name, status_id)
    SELECT ${user.userId}, p.id, ${`acct-${user.userId}`}, 'Creator', s.id FROM platform p, account_status s WHERE p.slug = 'youtube' AND s.slug = 'active'
    RETURNING id, platform_id`;
  const itemIds = items === 0 ? [] : (await api.db.owner`
    INSERT INTO content_item (social_account_id, user_id, platform_id, content_type_id, platform_content_id, title, category_code)
    SELECT ${account!.id}, ${user.userId}, ${account!.platform_id}, (SELECT id FROM content_type WHERE slug = 'long_video'), 'v' || i, 'Video ' || i, 'gaming'
    FROM generate_series(1, ${items}) i RETURNING id`).map((row) => row.id as string);
  return { ...user, slug, itemIds, socialAccountId: account!.id as string, platformId: account!.platform_id as string };
}

/** The public site (PUBLIC_SITE_URL: the gateway in the tests) and an item's page on it. */
export const siteOf = () => process.env.PUBLIC_SITE_URL!.replace(/\/+$/, "");
export const contentUrl = (id: string) => `${siteOf()}/content/${id}`;
