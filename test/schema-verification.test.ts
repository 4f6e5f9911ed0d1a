import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './db.ts';

/** The seed's "Verification Queries" and per-module checklists, against the migrated schema. */
const MODULE_TABLES: Record<string, string[]> = {
  '000_base_core': ['users', 'user_role', 'user_setting', 'subscription', 'subscription_tier', 'subscription_status',
    'notification', 'audit_log', 'quota_usage_history', 'cache_store'],
  '001_platform_connections': ['platform', 'account_status', 'platform_connection', 'social_account'],
  '002_content_management': ['content_type', 'content_item', 'content_revision'],
  '003_ai_integration': ['ai_provider', 'ai_model', 'user_ai_setting', 'ai_suggestion', 'ai_suggestion_application',
    'ai_usage', 'trending_keyword'],
  '004_seo_integration': ['search_engine', 'seo_connection', 'seo_submission', 'seo_usage'],
  '005_discovery_platform': ['content_category', 'content_tag', 'content_click', 'content_media', 'trending_content',
    'featured_creator'],
  '006_async_infrastructure': ['job_type', 'job_queue', 'job_log', 'stripe_webhook_events'],
};

describe('schema after all migrations (the seed’s verification queries)', () => {
  let db: TestDatabase;
  beforeAll(async () => { db = await createTestDatabase('verification'); });
  afterAll(async () => { await db?.drop(); });

  const count = async (query: string) => Number((await db.owner.unsafe(query))[0]!.count);

  it('has exactly the 38 tables of the seed in public, module by module', async () => {
    expect(await count(`SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`)).toBe(38);
    const tables = (await db.owner`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`).map((r) => r.tablename as string);
    expect(tables.sort()).toEqual(Object.values(MODULE_TABLES).flat().sort());
  });

  it('has at least 33 functions, 80 indexes and 35 policies, and 5 enums', async () => {
    expect(await count(`SELECT COUNT(*) FROM pg_proc p JOIN pg_namespace n ON p.pronamespace = n.oid WHERE n.nspname = 'public' AND p.prokind = 'f'`))
      .toBeGreaterThanOrEqual(33);
    expect(await count(`SELECT COUNT(*) FROM pg_indexes WHERE schemaname = 'public'`)).toBeGreaterThanOrEqual(80);
    expect(await count(`SELECT COUNT(*) FROM pg_policies WHERE schemaname = 'public'`)).toBeGreaterThanOrEqual(35);
    const enums = await db.owner`SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                                 WHERE n.nspname = 'public' AND t.typtype = 'e' ORDER BY 1`;
    expect(enums.map((e) => e.typname)).toEqual(['action_mode_enum', 'app_role_enum', 'job_status_enum', 'notification_type_enum', 'visibility_enum']);
  });

  it('has the 20 indexes module 006 lists: 11 on job_queue, 4 on job_log, 5 on stripe_webhook_events', async () => {
    const rows = await db.owner`SELECT tablename, count(*)::int AS n FROM pg_indexes
                                WHERE schemaname = 'public' AND tablename IN ('job_queue', 'job_log', 'stripe_webhook_events')
                                GROUP BY tablename ORDER BY tablename`;
    expect(Object.fromEntries(rows.map((r) => [r.tablename, r.n]))).toEqual({ job_log: 4, job_queue: 11, stripe_webhook_events: 5 });
  });

  it('enables and forces row-level security on every table in public', async () => {
    const open = await db.owner`SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT (c.relrowsecurity AND c.relforcerowsecurity)`;
    expect(open.map((r) => r.relname)).toEqual([]);
  });

  it('loads the seed rows: tiers, statuses, platforms, content types, AI providers and models, engines, categories, job types (the seed’s 5, plus 011’s trending_refresh), and 015’s offline AI engine', async () => {
    const tiers = await db.owner`SELECT slug, price_cents, max_social_accounts, max_syncs_per_month, max_ai_analyses_per_month,
                                        max_seo_submissions_per_month FROM subscription_tier ORDER BY sort_order`;
    expect(tiers.map((t) => ({ ...t }))).toEqual([
      { slug: 'free', price_cents: 0, max_social_accounts: 2, max_syncs_per_month: 30, max_ai_analyses_per_month: 25, max_seo_submissions_per_month: 0 },
      { slug: 'basic', price_cents: 999, max_social_accounts: 5, max_syncs_per_month: 300, max_ai_analyses_per_month: 250, max_seo_submissions_per_month: 100 },
      { slug: 'premium', price_cents: 2999, max_social_accounts: 20, max_syncs_per_month: 3000, max_ai_analyses_per_month: 2500, max_seo_submissions_per_month: 1000 },
    ]);
    expect(await count('SELECT count(*) FROM platform')).toBe(5);
    expect((await db.owner`SELECT slug FROM account_status ORDER BY sort_order`).map((r) => r.slug))
      .toEqual(['active', 'inactive', 'suspended', 'disconnected']);
    expect(await count('SELECT count(*) FROM content_type')).toBe(7);
    // The seed's 4 providers and 5 models, plus 015's offline engine (its own provider and model, at cost 0).
    expect((await db.owner`SELECT slug FROM ai_provider ORDER BY sort_order`).map((r) => r.slug))
      .toEqual(['openai', 'anthropic', 'google', 'local', 'offline']);
    expect((await db.owner`SELECT m.slug FROM ai_model m JOIN ai_provider p ON p.id = m.provider_id WHERE p.slug <> 'offline' ORDER BY m.slug`)
      .map((r) => r.slug)).toEqual(['claude-3-5-sonnet-20241022', 'gemini-1.5-pro', 'gpt-4o', 'gpt-4o-mini', 'llama3.2']);
    expect(await count('SELECT count(*) FROM ai_model')).toBe(6);
    expect(await count('SELECT count(*) FROM search_engine')).toBe(4);
    expect(await count('SELECT count(*) FROM content_category')).toBe(15);
    expect((await db.owner`SELECT slug FROM job_type ORDER BY slug`).map((r) => r.slug))
      .toEqual(['ai_analysis', 'platform_sync', 'quota_reset', 'seo_submission', 'token_refresh', 'trending_refresh']);
  });

  it('stores AI prices per 1k tokens (the original stored per-1M list prices in per-1k columns)', async () => {
    const models = await db.owner`SELECT slug, input_cost_per_1k_tokens::float8 AS input, output_cost_per_1k_tokens::float8 AS output
                                  FROM ai_model ORDER BY slug`;
    expect(Object.fromEntries(models.map((m) => [m.slug, [m.input, m.output]]))).toEqual({
      'claude-3-5-sonnet-20241022': [0.003, 0.015],
      'gemini-1.5-pro': [0.00125, 0.005],
      'gpt-4o': [0.0025, 0.01],
      'gpt-4o-mini': [0.00015, 0.0006],
      'llama3.2': [0, 0],
      'streamvibe-offline': [0, 0],
    });
  });

  it('uses bigint for every counter (the original INT view counters overflowed at 2^31)', async () => {
    const narrow = await db.owner`SELECT table_name || '.' || column_name AS col FROM information_schema.columns
                                  WHERE table_schema = 'public' AND data_type <> 'bigint'
                                    AND (column_name ~ '(views|clicks|followers|following|likes|comments|shares)(_count)?$'
                                         OR column_name IN ('follower_count', 'content_count', 'total_views', 'search_volume'))`;
    expect(narrow.map((r) => r.col)).toEqual([]);
  });

  it('keeps infrastructure out of public: the migration ledger is meta.migrations', async () => {
    const ledger = await db.owner`SELECT name FROM meta.migrations ORDER BY name`;
    expect(ledger.map((r) => r.name)).toEqual(expect.arrayContaining(Object.keys(MODULE_TABLES)));
  });
});
