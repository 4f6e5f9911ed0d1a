import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Row, RowList, TransactionSql } from 'postgres';
import { asService } from '../db/context.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';
import { seedTestingStatements } from './seed-script.ts';

const TEST_USER_ID = '8d3c1f0e-5b7a-4c2e-9f61-2a4b6c8d0e1f';
const someoneElse = 'f1e2d3c4-b5a6-4978-8695-a4b3c2d1e0f9';

/**
 * What the HTTP functions (sign-up, OAuth callback, sync, AI, SEO submit) would have written at the points
 * where the seed says "deploy … then call …"; the seed's own statements run verbatim around them.
 */
const substitutes = {
  async signUp(tx: TransactionSql) {
    await tx`INSERT INTO users (id, email) VALUES (${TEST_USER_ID}, 'test@example.com')`;
  },
  async oauthCallback(tx: TransactionSql) {
    await tx`
      WITH c AS (
        INSERT INTO platform_connection (user_id, platform_id, platform_user_id, platform_username, vault_secret_name, scopes, status_id, token_expires_at)
        SELECT ${TEST_USER_ID}, p.id, 'UC_test_channel', 'testchannel', ${`streamvibe/test/oauth/${TEST_USER_ID}/youtube`},
               '{https://www.googleapis.com/auth/youtube.readonly}', s.id, now() + interval '1 hour'
        FROM platform p, account_status s WHERE p.slug = 'youtube' AND s.slug = 'active'
        RETURNING id, user_id, platform_id, status_id)
      INSERT INTO social_account (user_id, platform_id, connection_id, platform_account_id, handle, display_name, follower_count, status_id)
      SELECT user_id, platform_id, id, 'UC_test_channel', '@testchannel', 'Test Channel', 1200, status_id FROM c`;
  },
  async syncYoutube(tx: TransactionSql) {
    await tx`
      INSERT INTO content_item (social_account_id, user_id, platform_id, content_type_id, platform_content_id, title, description,
                                url, views_count, published_at, created_at)
      SELECT sa.id, sa.user_id, sa.platform_id, ct.id, v.vid, v.title, v.description, 'https://www.youtube.com/watch?v=' || v.vid,
             v.views, now() - v.age, now() - v.age
      FROM social_account sa, content_type ct,
           (VALUES ('vid00000001', 'Minecraft survival gaming tutorial', 'A beginner tutorial for gaming in Minecraft', 5400, interval '3 days'),
                   ('vid00000002', 'Speedrun highlights', 'Best gaming moments of the week', 12000, interval '2 days'),
                   ('vid00000003', 'Cooking with friends', 'Not about games at all', 300, interval '1 day')) AS v(vid, title, description, views, age)
      WHERE sa.user_id = ${TEST_USER_ID} AND ct.slug = 'long_video'`;
  },
  async aiGenerateTags(tx: TransactionSql) {
    await tx`
      WITH item AS (SELECT id FROM content_item ORDER BY created_at DESC LIMIT 1),
           model AS (SELECT id FROM ai_model WHERE slug = 'gpt-4o-mini'),
           s AS (INSERT INTO ai_suggestion (content_item_id, user_id, model_id, suggested_titles, suggested_tags, trending_keywords,
                                            trending_score, seo_score, prompt_tokens, completion_tokens, total_cost_cents)
                 SELECT item.id, ${TEST_USER_ID}, model.id, '{"Cooking With Friends: 5 Easy Recipes"}', '{cooking,friends,recipes}',
                        '{easy recipes}', 72.5, 81, 850, 220, calculate_ai_cost_cents(model.id, 850, 220)
                 FROM item, model RETURNING id, model_id)
      INSERT INTO ai_usage (user_id, model_id, suggestion_id, operation_type, prompt_tokens, completion_tokens, latency_ms)
      SELECT ${TEST_USER_ID}, model_id, id, 'generate_tags', 850, 220, 930 FROM s`;
    const [quota] = await tx`SELECT increment_quota(${TEST_USER_ID}, 'ai_analysis') AS consumed`;
    expect(quota!.consumed).toBe(true);
  },
  async submitToSeo(tx: TransactionSql) {
    // The free tier has 0 SEO submissions: the function asks for quota, is refused, and submits nothing.
    const [quota] = await tx`SELECT increment_quota(${TEST_USER_ID}, 'seo_submission') AS consumed`;
    expect(quota!.consumed).toBe(false);
  },
};

type Check = (rows: RowList<Row[]>) => void;
interface Expectation {
  match: RegExp;
  before?: (tx: TransactionSql) => Promise<void>;
  check?: Check;
  error?: RegExp;
}

const one = (check: (row: Row) => void): Check => (rows) => {
  expect(rows).toHaveLength(1);
  check(rows[0]!);
};

/** One entry per seed statement, in order: what the seed's comments say each returns. */
const expectations: Expectation[] = [
  // 000 base core
  { match: /^SELECT \* FROM users WHERE email/, before: substitutes.signUp,
    check: one((u) => { expect(u.id).toBe(TEST_USER_ID); expect(u.email).toBe('test@example.com'); }) },
  { match: /^INSERT INTO subscription \(/, check: (rows) => expect(rows.count).toBe(1) },
  { match: /^SELECT check_quota\(/, check: one((r) => expect(r.check_quota).toBe(true)) },
  { match: /^INSERT INTO user_role/, check: (rows) => expect(rows.count).toBe(1) },
  { match: /^SELECT has_role\(/, check: one((r) => expect(r.has_role).toBe(true)) },
  // 001 platform connections
  { match: /^SELECT \* FROM platform ORDER BY sort_order/,
    check: (rows) => expect(rows.map((r) => r.slug)).toEqual(['youtube', 'instagram', 'tiktok', 'facebook', 'twitter']) },
  { match: /^SELECT \* FROM platform_connection WHERE user_id/, before: substitutes.oauthCallback,
    check: one((c) => { expect(c.vault_secret_name).toMatch(/^streamvibe\/test\/oauth\//); expect(c).not.toHaveProperty('access_token'); }) },
  { match: /^SELECT \* FROM social_account WHERE user_id/, check: one((a) => expect(a.handle).toBe('@testchannel')) },
  // 002 content management
  { match: /^SELECT \* FROM content_type ORDER BY sort_order/,
    check: (rows) => expect(rows.map((r) => r.slug)).toEqual(['long_video', 'short_video', 'image', 'carousel', 'story', 'reel', 'post']) },
  { match: /^SELECT \* FROM content_item\s+WHERE social_account_id/, before: substitutes.syncYoutube,
    check: (rows) => expect(rows.map((r) => r.platform_content_id)).toEqual(['vid00000003', 'vid00000002', 'vid00000001']) },
  { match: /^SELECT title, description\s+FROM content_item\s+WHERE search_vector @@/,
    check: (rows) => expect(rows.map((r) => r.title)).toEqual(['Minecraft survival gaming tutorial']) },
  { match: /^DELETE FROM social_account/, error: /^Cannot delete social account with existing content$/ },
  // 003 AI integration
  { match: /^SELECT p\.display_name, m\.display_name, m\.input_cost_per_1k_tokens/,
    check: (rows) => {
      // The seed's 5 models at their prices, cheapest first; besides them only 015's offline engine (cost 0).
      // (Both display_name columns share a key: the row carries the model's.)
      const models = rows.map((r) => [r.display_name, Number(r.input_cost_per_1k_tokens)]);
      expect(models.filter(([name]) => name !== 'StreamVibe offline'))
        .toEqual([['Llama 3.2', 0], ['GPT-4o Mini', 0.00015], ['Gemini 1.5 Pro', 0.00125], ['GPT-4o', 0.0025], ['Claude 3.5 Sonnet', 0.003]]);
      expect(models.filter(([name]) => name === 'StreamVibe offline')).toEqual([['StreamVibe offline', 0]]);
    } },
  { match: /^SELECT\s+suggested_titles,/, before: substitutes.aiGenerateTags,
    check: one((s) => {
      expect(s.suggested_tags).toEqual(['cooking', 'friends', 'recipes']);
      // 850 × $0.00015/1k + 220 × $0.0006/1k = $0.0002595 = 0.0260 cents (rounded to 4 places)
      expect(Number(s.total_cost_cents)).toBeCloseTo(0.026, 4);
    }) },
  { match: /^SELECT\s+operation_type,\s+prompt_tokens/,
    check: one((u) => { expect(u.operation_type).toBe('generate_tags'); expect(Number(u.cost_cents)).toBeCloseTo(0.026, 4); }) },
  { match: /^SELECT ai_analyses_used, max_ai_analyses_per_month/,
    check: one((q) => { expect(q.ai_analyses_used).toBe(1); expect(q.max_ai_analyses_per_month).toBe(25); }) },
  // 004 SEO integration
  { match: /^SELECT \* FROM search_engine;?$/,
    check: (rows) => expect(rows.map((r) => r.slug).sort()).toEqual(['bing', 'google', 'indexnow', 'yandex']) },
  { match: /^INSERT INTO seo_connection/, check: (rows) => expect(rows.count).toBe(1) },
  { match: /^SELECT\s+submitted_url,/, before: substitutes.submitToSeo, check: (rows) => expect(rows).toHaveLength(0) },
  { match: /^SELECT seo_submissions_used, max_seo_submissions_per_month/,
    check: one((q) => { expect(q.seo_submissions_used).toBe(0); expect(q.max_seo_submissions_per_month).toBe(0); }) },
  // 005 discovery platform
  { match: /^SELECT \* FROM content_category ORDER BY sort_order/, check: (rows) => expect(rows).toHaveLength(15) },
  { match: /^UPDATE content_item\s+SET category_code = 'gaming'/, check: (rows) => expect(rows.count).toBe(1) },
  { match: /^INSERT INTO content_tag/, check: (rows) => expect(rows.count).toBe(1) },
  { match: /^INSERT INTO content_click/, check: (rows) => expect(rows.count).toBe(1) },
  { match: /^SELECT increment_content_clicks\(/, check: one((r) => expect(Number(r.increment_content_clicks)).toBe(1)) },
  { match: /^SELECT\s+title,\s+total_clicks,\s+views_count,\s+calculate_trend_score/,
    check: (rows) => {
      expect(rows).toHaveLength(3);
      const scores = rows.map((r) => Number(r.trend_score));
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      expect(scores.every((s) => s > 0)).toBe(true);
    } },
  { match: /^SELECT generate_profile_slug\('Tech Gaming Channel',/,
    check: one((r) => expect(r.generate_profile_slug).toBe('tech-gaming-channel')) },
  { match: /^UPDATE users\s+SET\s+display_name = 'Tech Gaming Channel'/, check: (rows) => expect(rows.count).toBe(1) },
  // 006 async infrastructure
  { match: /^SELECT create_job\(/, check: one((r) => expect(r.create_job).toMatch(/^[0-9a-f-]{36}$/)) },
  { match: /^SELECT \* FROM get_user_jobs\(/, check: one((j) => { expect(j.job_type).toBe('sync_youtube'); expect(j.status).toBe('pending'); }) },
  { match: /^SELECT \* FROM find_or_create_job\(/, check: one((j) => expect(j.created).toBe(false)) },
  { match: /^SELECT start_job\(/, check: one((r) => expect(r.start_job).toBe(true)) },
  { match: /^SELECT update_job_progress\(/, check: (rows) => expect(rows).toHaveLength(1) },
  { match: /^SELECT complete_job\(/, check: (rows) => expect(rows).toHaveLength(1) },
  { match: /^SELECT \* FROM get_cached_job_result\(/,
    check: (rows) => {
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(rows[0])).toContain('"synced_count":100');
    } },
  { match: /^SELECT log_stripe_webhook_event\(/, check: (rows) => expect(rows).toHaveLength(1) },
  { match: /^SELECT \* FROM stripe_webhook_events ORDER BY created_at DESC/,
    check: one((e) => { expect(e.stripe_event_id).toBe('evt_test_123'); expect(e.event_type).toBe('customer.subscription.created'); }) },
  { match: /^SELECT cache_stripe_data\(/, check: (rows) => expect(rows).toHaveLength(1) },
  { match: /^SELECT get_cached_stripe_data\(/,
    check: one((r) => expect(r.get_cached_stripe_data).toEqual({ id: 'prod_test', name: 'Premium Plan' })) },
  { match: /^SELECT \* FROM get_job_queue_stats\(/,
    check: (rows) => {
      expect(rows.length).toBeGreaterThan(0);
      expect(JSON.stringify(rows)).toContain('completed');
    } },
];

const withoutComments = (sql: string) => sql.split('\n').filter((l) => !/^\s*--/.test(l)).join('\n').replace(/--.*$/gm, '').trim();

describe('the seed document’s Testing SQL, run verbatim as service_role on a freshly migrated database', () => {
  let db: TestDatabase;
  const statements = seedTestingStatements();
  beforeAll(async () => { db = await createTestDatabase('seed_testing'); });
  afterAll(async () => { await db?.drop(); });

  it('has one expectation per seed statement, in order', () => {
    expect(statements.map((s) => withoutComments(s.sql).split('\n')[0])).toHaveLength(expectations.length);
    statements.forEach((s, i) => expect(withoutComments(s.sql), `statement ${i + 1}`).toMatch(expectations[i]!.match));
  });

  it('gives what the seed’s comments state, statement by statement', async () => {
    for (const [i, statement] of statements.entries()) {
      const expectation = expectations[i]!;
      if (expectation.before) await asService(db.app, expectation.before);
      const run = asService(db.app, (tx) => tx.unsafe(statement.sql)) as Promise<RowList<Row[]>>;
      if (expectation.error) {
        await expect(run, statement.sql).rejects.toThrow(expectation.error);
      } else {
        expectation.check!(await run);
      }
    }
  });

  it('numbers a colliding profile slug instead of failing, and ignores the user’s own slug', async () => {
    await asService(db.app, async (tx) => {
      await tx`INSERT INTO users (id, email) VALUES (${someoneElse}, 'other@example.com')`;
      const [own] = await tx`SELECT generate_profile_slug('Tech Gaming Channel', ${TEST_USER_ID}) AS slug`;
      const [other] = await tx`SELECT generate_profile_slug('Tech Gaming Channel', ${someoneElse}) AS slug`;
      expect(own!.slug).toBe('tech-gaming-channel');
      expect(other!.slug).toBe('tech-gaming-channel-2');
    });
  });

  it('returns the same webhook row when Stripe delivers the event again', async () => {
    await asService(db.app, async (tx) => {
      const [first] = await tx`SELECT log_stripe_webhook_event('evt_test_123', 'customer.subscription.created', '{"id": "sub_123"}'::jsonb) AS r`;
      const [again] = await tx`SELECT log_stripe_webhook_event('evt_test_123', 'customer.subscription.created', '{"id": "sub_123"}'::jsonb) AS r`;
      expect(again!.r).toEqual(first!.r);
      const [events] = await tx`SELECT count(*)::int AS n FROM stripe_webhook_events WHERE stripe_event_id = 'evt_test_123'`;
      expect(events!.n).toBe(1);
    });
  });
});
