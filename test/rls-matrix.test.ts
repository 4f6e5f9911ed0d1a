/**
 * The RLS matrix: every public table and every function × the callers anon, owner (A), another user (B),
 * admin (D) and service_role — each can do exactly what it should and nothing more.
 *
 * One declarative entry per table (TABLES) and per function (FUNCTIONS); a small executor runs every cell
 * for real, each in its own transaction that is always rolled back, so the fixture world (test/fixtures/
 * rls-world.ts) is identical for every cell and a permission error never poisons the next one.
 *
 * Outcomes of a write:
 *   ok        succeeded and affected exactly the one targeted row
 *   denied    42501 "permission denied" — no GRANT (table or column privilege)
 *   rls       42501 "new row violates row-level security policy" — a WITH CHECK rejected the row
 *   filtered  no error, 0 rows — RLS hid the target row from the caller
 * A read (SELECT) is either 'denied' or the exact set of fixture labels the caller sees ('seed' = every row
 * the migrations seeded, all of them).
 */
import { randomUUID } from 'node:crypto';
import type { PendingQuery, Row as PgRow, TransactionSql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withCaller, type Caller } from '../db/context.ts';
import { claimsFor, createTestDatabase, type TestDatabase } from './db.ts';
import { buildWorld, patchUncompilableChecks, SEED, uncompilableChecks, type CheckConstraint, type World } from './fixtures/rls-world.ts';

// ---------------------------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------------------------
const WHO = ['anon', 'owner', 'other', 'admin', 'service'] as const;
type Who = (typeof WHO)[number];
type Grid<T> = Record<Who, T>;
type Write = 'ok' | 'denied' | 'rls' | 'filtered';
type Read = 'denied' | readonly string[];
type Values = Record<string, unknown>;
type Sql = TransactionSql;
/** '*' = every column (no SELECT privilege at all). */
type Cols = '*' | readonly string[];

const SERVICE_ONLY: Grid<Write> = { anon: 'denied', owner: 'denied', other: 'denied', admin: 'denied', service: 'ok' };
/** Nobody, not even the service: append-only tables. */
const NOBODY: Grid<Write> = { anon: 'denied', owner: 'denied', other: 'denied', admin: 'denied', service: 'denied' };
/** The owner may, on their own row; B and the admin have the column grant but RLS hides A's row from their UPDATE/DELETE. */
const OWNER_WRITES: Grid<Write> = { anon: 'denied', owner: 'ok', other: 'filtered', admin: 'filtered', service: 'ok' };
/** The owner may insert a row for themselves; B or the admin inserting a row for A fails the WITH CHECK. */
const OWNER_INSERTS: Grid<Write> = { anon: 'denied', owner: 'ok', other: 'rls', admin: 'rls', service: 'ok' };

/** A lookup table: anon and every user see `visible` (plus all seeds); service_role also sees `serviceOnly`. */
const lookup = (visible: string[] = [], serviceOnly: string[] = []): Grid<Read> => {
  const api = [SEED, ...visible];
  return { anon: api, owner: api, other: api, admin: api, service: [...api, ...serviceOnly] };
};
/** A user-owned table: no anon access; A and B each see their own rows; the admin sees all rows (default) or only D's own. */
const ownRows = (a: string[], b: string[], all: string[], adminOwn?: string[]): Grid<Read> =>
  ({ anon: 'denied', owner: a, other: b, admin: adminOwn ?? all, service: all });

interface TableSpec {
  select: Grid<Read>;
  /** Columns that raise 42501 when selected, per API role (service_role reads every column). */
  hidden: { anon: Cols; authenticated: Cols };
  /** Exact column privileges of authenticated (anon never writes anything). */
  insertable?: readonly string[];
  updatable?: readonly string[];
  insert: { row: (w: World, tx: Sql) => Values; prepare?: (tx: Sql, w: World) => PendingQuery<PgRow[]>; expect: Grid<Write> };
  /** Column groups, each attempted on the `target` row (a fixture label; A's row unless said otherwise). */
  update: Record<string, { target: string; set: (w: World, tx: Sql) => Values; expect: Grid<Write> }>;
  delete: { target: string; expect: Grid<Write> };
}

const NONE: Cols = [];
const svcUpdate = (target: string, set: Values) => ({ target, set: () => set, expect: SERVICE_ONLY });
const now = () => new Date();

// ---------------------------------------------------------------------------------------------------------
// The expectations, one entry per public table
// ---------------------------------------------------------------------------------------------------------
const TABLES: Record<string, TableSpec> = {
  // ------------------------------------------------------------------ 000 base core
  users: {
    select: { anon: ['A', 'B'], owner: ['A', 'B'], other: ['A', 'B'], admin: ['A', 'B', 'C', 'D'], service: ['A', 'B', 'C', 'D'] },
    // hidden_reason (022): the moderator's reason goes to the owner in a notification; hidden_at is readable (a hidden row is invisible anyway).
    hidden: { anon: ['email', 'stripe_customer_id', 'last_active_at', 'hidden_reason'], authenticated: ['email', 'stripe_customer_id', 'last_active_at', 'hidden_reason'] },
    updatable: ['display_name', 'profile_slug', 'bio', 'avatar_url', 'website_url', 'primary_category', 'is_public', 'onboarded_at', 'last_active_at'],
    insert: { row: () => ({ id: randomUUID(), email: `new-${randomUUID()}@example.com` }), expect: SERVICE_ONLY },
    update: {
      'profile (display_name, bio, is_public, onboarded_at, last_active_at)': { target: 'A',
        set: () => ({ display_name: 'Alice II', bio: 'hi', is_public: true, onboarded_at: now(), last_active_at: now() }), expect: OWNER_WRITES },
      'verification (is_verified)': svcUpdate('A', { is_verified: true }),
      'counters (total_followers, total_content, total_views)': svcUpdate('A', { total_followers: 1e6, total_content: 1e3, total_views: 1e9 }),
      'identity (email)': svcUpdate('A', { email: 'takeover@example.com' }),
      'billing (stripe_customer_id)': svcUpdate('A', { stripe_customer_id: 'cus_other' }),
      'soft delete (deleted_at)': svcUpdate('A', { deleted_at: now() }),
      'moderation (hidden_at, hidden_reason)': svcUpdate('A', { hidden_at: now(), hidden_reason: 'spam' }),
    },
    delete: { target: 'D', expect: SERVICE_ONLY }, // A has content: see "account erasure" below
  },
  user_role: {
    select: ownRows(['A_creator'], [], ['A_creator', 'D_admin']),
    hidden: { anon: '*', authenticated: NONE },
    insert: { row: (w) => ({ user_id: w.users.A, role: 'admin' }), expect: SERVICE_ONLY },
    update: { 'role': svcUpdate('A_creator', { role: 'admin' }) },
    delete: { target: 'A_creator', expect: SERVICE_ONLY },
  },
  user_setting: {
    select: ownRows(['A'], ['B'], ['A', 'B', 'C', 'D'], ['D']),
    hidden: { anon: '*', authenticated: NONE },
    updatable: ['email_notifications', 'push_notifications', 'weekly_digest', 'auto_sync_enabled', 'sync_frequency_hours',
      'default_visibility', 'language', 'timezone', 'theme'],
    insert: { row: (w) => ({ user_id: w.users.A }), prepare: (tx, w) => tx`DELETE FROM user_setting WHERE user_id = ${w.users.A}`, expect: SERVICE_ONLY },
    update: { 'preferences (theme, language, sync_frequency_hours)': { target: 'A', set: () => ({ theme: 'dark', language: 'de', sync_frequency_hours: 1 }), expect: OWNER_WRITES } },
    delete: { target: 'A', expect: SERVICE_ONLY },
  },
  subscription_tier: {
    select: lookup([], ['inactive']),
    hidden: { anon: NONE, authenticated: NONE },
    insert: { row: () => ({ slug: 'gold', display_name: 'Gold', price_cents: 0, max_social_accounts: 99, max_syncs_per_month: 99,
      max_ai_analyses_per_month: 99, max_seo_submissions_per_month: 99 }), expect: SERVICE_ONLY },
    update: { 'price and limits': svcUpdate('inactive', { price_cents: 0, max_ai_analyses_per_month: 1e6 }) },
    delete: { target: 'inactive', expect: SERVICE_ONLY },
  },
  subscription_status: {
    select: lookup(['extra']),
    hidden: { anon: NONE, authenticated: NONE },
    insert: { row: () => ({ slug: 'free_forever', display_name: 'x', is_entitled: true }), expect: SERVICE_ONLY },
    update: { 'is_entitled': svcUpdate('extra', { is_entitled: true }) },
    delete: { target: 'extra', expect: SERVICE_ONLY },
  },
  subscription: {
    select: ownRows(['A'], ['B'], ['A', 'B']),
    hidden: { anon: '*', authenticated: NONE },
    insert: {
      row: (w) => ({ user_id: w.users.A, tier_id: w.lookup.subscription_tier!.premium, status_id: w.lookup.subscription_status!.active }),
      prepare: (tx, w) => tx`DELETE FROM subscription WHERE user_id = ${w.users.A}`,
      expect: SERVICE_ONLY,
    },
    update: {
      'tier (tier_id → premium)': { target: 'A', set: (w) => ({ tier_id: w.lookup.subscription_tier!.premium }), expect: SERVICE_ONLY },
      'status (status_id → active)': { target: 'A', set: (w) => ({ status_id: w.lookup.subscription_status!.trialing }), expect: SERVICE_ONLY },
      'usage (*_used = 0)': svcUpdate('A', { syncs_used: 0, ai_analyses_used: 0, seo_submissions_used: 0 }),
      'cycle (cycle_end_date)': svcUpdate('A', { cycle_end_date: new Date(Date.now() + 365 * 86_400_000) }),
      'cancellation (cancel_at_period_end)': svcUpdate('A', { cancel_at_period_end: true }),
    },
    delete: { target: 'A', expect: SERVICE_ONLY },
  },
  notification: {
    select: ownRows(['A'], ['B'], ['A', 'B', 'C'], []),
    hidden: { anon: '*', authenticated: NONE },
    updatable: ['read_at'],
    insert: { row: (w) => ({ user_id: w.users.A, title: 'Your payout is ready' }), expect: SERVICE_ONLY },
    update: {
      'mark read (read_at)': { target: 'A', set: () => ({ read_at: now() }), expect: OWNER_WRITES },
      'content (title, action_url)': svcUpdate('A', { title: 'phish', action_url: 'https://evil.example' }),
    },
    delete: { target: 'A', expect: OWNER_WRITES },
  },
  audit_log: {
    select: ownRows(['A'], ['B'], ['A', 'B']),
    hidden: { anon: '*', authenticated: NONE },
    insert: { row: (w) => ({ user_id: w.users.A, action: 'forged', entity_type: 'users' }), expect: SERVICE_ONLY },
    update: { 'action': { target: 'A', set: () => ({ action: 'rewritten' }), expect: NOBODY } },
    delete: { target: 'A', expect: NOBODY },
  },
  quota_usage_history: {
    select: ownRows(['A'], ['B'], ['A', 'B']),
    hidden: { anon: '*', authenticated: NONE },
    insert: {
      row: (w) => ({ user_id: w.users.A, subscription_id: w.id('subscription', 'A'), tier_id: w.lookup.subscription_tier!.free,
        cycle_start_date: new Date(Date.now() - 120 * 86_400_000), cycle_end_date: new Date(Date.now() - 90 * 86_400_000),
        syncs_used: 0, ai_analyses_used: 0, seo_submissions_used: 0, max_syncs: 1, max_ai_analyses: 1, max_seo_submissions: 1 }),
      expect: SERVICE_ONLY,
    },
    update: { 'usage': svcUpdate('A', { ai_analyses_used: 0 }) },
    delete: { target: 'A', expect: SERVICE_ONLY },
  },
  cache_store: {
    select: { anon: 'denied', owner: 'denied', other: 'denied', admin: 'denied', service: ['entry'] },
    hidden: { anon: '*', authenticated: '*' },
    insert: { row: (_w, tx) => ({ key: 'poison', value: tx.json({ html: '<script>' }), expires_at: new Date(Date.now() + 3_600_000) }), expect: SERVICE_ONLY },
    update: { 'value': { target: 'entry', set: (_w, tx) => ({ value: tx.json({ html: '<script>' }) }), expect: SERVICE_ONLY } },
    delete: { target: 'entry', expect: SERVICE_ONLY },
  },

  // ------------------------------------------------------------------ 001 platform connections
  platform: {
    select: lookup([], ['inactive']),
    hidden: { anon: NONE, authenticated: NONE },
    insert: { row: () => ({ slug: 'vimeo', display_name: 'Vimeo', website_url: 'https://vimeo.com' }), expect: SERVICE_ONLY },
    update: { 'is_active': svcUpdate('inactive', { is_active: true }) },
    delete: { target: 'inactive', expect: SERVICE_ONLY },
  },
  account_status: {
    select: lookup(['extra']),
    hidden: { anon: NONE, authenticated: NONE },
    insert: { row: () => ({ slug: 'vip', display_name: 'VIP', can_sync: true }), expect: SERVICE_ONLY },
    update: { 'can_sync': svcUpdate('extra', { can_sync: true }) },
    delete: { target: 'extra', expect: SERVICE_ONLY },
  },
  platform_connection: {
    select: ownRows(['A'], ['B'], ['A', 'B']),
    hidden: { anon: '*', authenticated: ['vault_secret_name', 'last_refreshed_at'] },
    insert: {
      row: (w) => ({ user_id: w.users.A, platform_id: w.lookup.platform!.tiktok, platform_user_id: 'tt-alice',
        vault_secret_name: 'streamvibe/oauth/forged', status_id: w.lookup.account_status!.active }),
      expect: SERVICE_ONLY,
    },
    update: {
      'secret (vault_secret_name)': svcUpdate('A', { vault_secret_name: 'streamvibe/oauth/someone-else' }),
      'state (status_id, is_active, disconnected_at)': svcUpdate('A', { is_active: false, disconnected_at: now() }),
    },
    delete: { target: 'A', expect: SERVICE_ONLY },
  },
  social_account: {
    select: { anon: ['A', 'B'], owner: ['A', 'A_deleted', 'B'], other: ['A', 'B'], admin: ['A', 'A_deleted', 'B', 'C'], service: ['A', 'A_deleted', 'B', 'C'] },
    hidden: {
      anon: ['connection_id', 'sync_enabled', 'sync_cursor', 'last_synced_at', 'last_sync_error', 'updated_at'],
      authenticated: ['connection_id', 'sync_enabled', 'sync_cursor', 'last_synced_at', 'last_sync_error', 'updated_at'],
    },
    updatable: ['is_primary', 'sync_enabled'],
    insert: {
      row: (w) => ({ user_id: w.users.A, platform_id: w.lookup.platform!.tiktok, platform_account_id: 'tt-new', status_id: w.lookup.account_status!.active }),
      expect: SERVICE_ONLY,
    },
    update: {
      'preferences (is_primary, sync_enabled)': { target: 'A', set: () => ({ is_primary: true, sync_enabled: false }), expect: OWNER_WRITES },
      'counters (follower_count)': svcUpdate('A', { follower_count: 1e7 }),
      'moderation (status_id)': { target: 'A', set: (w) => ({ status_id: w.lookup.account_status!.suspended }), expect: SERVICE_ONLY },
      'archive (deleted_at)': svcUpdate('A', { deleted_at: now() }),
    },
    delete: { target: 'A_deleted', expect: SERVICE_ONLY },
  },

  // ------------------------------------------------------------------ 002 content
  content_type: {
    select: lookup([], ['inactive']),
    hidden: { anon: NONE, authenticated: NONE },
    insert: { row: () => ({ slug: 'podcast', display_name: 'Podcast' }), expect: SERVICE_ONLY },
    update: { 'is_active': svcUpdate('inactive', { is_active: true }) },
    delete: { target: 'inactive', expect: SERVICE_ONLY },
  },
  content_item: {
    select: {
      anon: ['A', 'B'], owner: ['A', 'A_private', 'A_deleted', 'B'], other: ['A', 'B'],
      admin: ['A', 'A_private', 'A_deleted', 'B', 'C'], service: ['A', 'A_private', 'A_deleted', 'B', 'C'],
    },
    // user_edited_fields (013): set by a trigger on users' edits; granted to nobody, so nobody sees another's edits or forges one.
    hidden: { anon: ['platform_data', 'ai_processed_at', 'last_synced_at', 'user_edited_fields', 'hidden_reason'],
      authenticated: ['platform_data', 'ai_processed_at', 'last_synced_at', 'user_edited_fields', 'hidden_reason'] },
    updatable: ['title', 'description', 'category_code', 'visibility', 'language', 'deleted_at'],
    insert: {
      row: (w) => ({ social_account_id: w.id('social_account', 'A'), user_id: w.users.A, platform_id: w.lookup.platform!.youtube,
        content_type_id: w.lookup.content_type!.post, platform_content_id: 'forged' }),
      expect: SERVICE_ONLY,
    },
    update: {
      'presentation (title, description, category_code, visibility, language)': { target: 'A',
        set: () => ({ title: 'New title', description: 'd', category_code: 'music', visibility: 'unlisted', language: 'en' }), expect: OWNER_WRITES },
      'archive (deleted_at)': { target: 'A', set: () => ({ deleted_at: now() }), expect: OWNER_WRITES },
      'counters (views_count, likes_count, total_clicks)': svcUpdate('A', { views_count: 1e9, likes_count: 1e6, total_clicks: 1e6 }),
      'provenance (platform_data, platform_content_id)': { target: 'A', set: (_w, tx) => ({ platform_data: tx.json({}), platform_content_id: 'x' }), expect: SERVICE_ONLY },
      'moderation (hidden_at, hidden_reason)': svcUpdate('A', { hidden_at: now(), hidden_reason: 'spam' }),
    },
    delete: { target: 'A_deleted', expect: SERVICE_ONLY },
  },
  content_revision: {
    select: ownRows(['A'], ['B'], ['A', 'B']),
    hidden: { anon: '*', authenticated: NONE },
    insert: {
      row: (w) => ({ content_item_id: w.id('content_item', 'A'), user_id: w.users.A, revision_number: 99, title: 't', description: 'd',
        visibility: 'public', change_source: 'user' }),
      expect: SERVICE_ONLY,
    },
    update: { 'history (title)': svcUpdate('A', { title: 'rewritten history' }) },
    delete: { target: 'A', expect: SERVICE_ONLY },
  },

  // ------------------------------------------------------------------ 003 AI
  ai_provider: {
    select: lookup([], ['inactive']),
    hidden: { anon: NONE, authenticated: NONE },
    insert: { row: () => ({ slug: 'mistral', display_name: 'Mistral' }), expect: SERVICE_ONLY },
    update: { 'api_base_url': svcUpdate('inactive', { api_base_url: 'https://exfil.example' }) },
    delete: { target: 'inactive', expect: SERVICE_ONLY },
  },
  ai_model: {
    select: lookup([], ['inactive']),
    hidden: { anon: NONE, authenticated: NONE },
    insert: {
      row: (w) => ({ provider_id: w.lookup.ai_provider!.openai, slug: 'o1', display_name: 'o1', input_cost_per_1k_tokens: 0,
        output_cost_per_1k_tokens: 0, context_window_tokens: 1000, max_output_tokens: 100 }),
      expect: SERVICE_ONLY,
    },
    update: { 'prices': svcUpdate('inactive', { input_cost_per_1k_tokens: 0, output_cost_per_1k_tokens: 0 }) },
    delete: { target: 'inactive', expect: SERVICE_ONLY },
  },
  user_ai_setting: {
    select: ownRows(['A'], ['B'], ['A', 'B'], []),
    hidden: { anon: '*', authenticated: NONE },
    insertable: ['user_id', 'preferred_model_id', 'action_mode', 'tone', 'target_language', 'max_tags', 'custom_instructions'],
    updatable: ['preferred_model_id', 'action_mode', 'tone', 'target_language', 'max_tags', 'custom_instructions'],
    insert: {
      row: (w) => ({ user_id: w.users.A, tone: 'playful', action_mode: 'auto' }),
      prepare: (tx, w) => tx`DELETE FROM user_ai_setting WHERE user_id = ${w.users.A}`,
      expect: OWNER_INSERTS,
    },
    update: { 'preferences (tone, max_tags, action_mode)': { target: 'A', set: () => ({ tone: 'professional', max_tags: 5, action_mode: 'approve' }), expect: OWNER_WRITES } },
    delete: { target: 'A', expect: SERVICE_ONLY },
  },
  ai_suggestion: {
    select: ownRows(['A'], ['B'], ['A', 'B']),
    hidden: { anon: '*', authenticated: NONE },
    insert: { row: (w) => ({ content_item_id: w.id('content_item', 'A'), user_id: w.users.A }), expect: SERVICE_ONLY },
    update: { 'status': svcUpdate('A', { status: 'applied' }), 'cost (total_cost_cents)': svcUpdate('A', { total_cost_cents: 0 }) },
    delete: { target: 'A', expect: SERVICE_ONLY },
  },
  ai_suggestion_application: {
    select: ownRows(['A'], ['B'], ['A', 'B']),
    hidden: { anon: '*', authenticated: NONE },
    insert: {
      row: (w, tx) => ({ suggestion_id: w.id('ai_suggestion', 'A'), content_item_id: w.id('content_item', 'A'), user_id: w.users.A,
        field: 'title', applied_value: tx.json('t'), applied_mode: 'manual' }),
      expect: SERVICE_ONLY,
    },
    update: { 'field': svcUpdate('A', { field: 'description' }) },
    delete: { target: 'A', expect: SERVICE_ONLY },
  },
  ai_usage: {
    select: ownRows(['A'], ['B'], ['A', 'B']),
    hidden: { anon: '*', authenticated: NONE },
    insert: {
      row: (w) => ({ user_id: w.users.A, model_id: w.lookup.ai_model!['gpt-4o'], operation_type: 'analyze', prompt_tokens: 1, completion_tokens: 1, cost_cents: 0 }),
      expect: SERVICE_ONLY,
    },
    update: { 'cost (cost_cents)': svcUpdate('A', { cost_cents: 0 }) },
    delete: { target: 'A', expect: SERVICE_ONLY },
  },
  trending_keyword: {
    select: lookup(['live'], ['expired']),
    hidden: { anon: NONE, authenticated: NONE },
    insert: { row: () => ({ keyword: 'buy-my-course' }), expect: SERVICE_ONLY },
    update: { 'trend_score': svcUpdate('live', { trend_score: 999_999 }) },
    delete: { target: 'live', expect: SERVICE_ONLY },
  },

  // ------------------------------------------------------------------ 004 SEO
  search_engine: {
    select: lookup([], ['inactive']),
    hidden: { anon: NONE, authenticated: NONE },
    insert: { row: () => ({ slug: 'duck', display_name: 'Duck', submission_method: 'indexnow', api_endpoint: 'https://duck.example' }), expect: SERVICE_ONLY },
    update: { 'api_endpoint': svcUpdate('inactive', { api_endpoint: 'https://exfil.example' }) },
    delete: { target: 'inactive', expect: SERVICE_ONLY },
  },
  seo_connection: {
    select: ownRows(['A'], ['B'], ['A', 'B']),
    hidden: { anon: '*', authenticated: ['vault_secret_name'] },
    insert: {
      row: (w) => ({ user_id: w.users.A, search_engine_id: w.lookup.search_engine!.bing, vault_secret_name: 'forged', site_url: 'https://a2.example.com' }),
      expect: SERVICE_ONLY,
    },
    update: {
      // 020: through the API only (DELETE /seo-connections deletes the secret with it).
      'enable (is_active)': svcUpdate('A', { is_active: false }),
      'verification (is_verified, verified_at)': svcUpdate('A', { is_verified: true, verified_at: now() }),
      'target (site_url, vault_secret_name)': svcUpdate('A', { site_url: 'https://victim.example.com', vault_secret_name: 'streamvibe/seo/other' }),
    },
    delete: { target: 'A', expect: SERVICE_ONLY },
  },
  seo_submission: {
    select: ownRows(['A'], ['B'], ['A', 'B']),
    hidden: { anon: '*', authenticated: NONE },
    insert: { row: (w) => ({ connection_id: w.id('seo_connection', 'A'), user_id: w.users.A, submitted_url: 'https://a.example.com/new' }), expect: SERVICE_ONLY },
    update: { 'status': svcUpdate('A', { status: 'indexed' }) },
    delete: { target: 'A', expect: SERVICE_ONLY },
  },
  seo_usage: {
    select: ownRows(['A'], ['B'], ['A', 'B']),
    hidden: { anon: '*', authenticated: NONE },
    insert: { row: (w) => ({ user_id: w.users.A, search_engine_id: w.lookup.search_engine!.bing }), expect: SERVICE_ONLY },
    update: { 'counters (submissions_count)': svcUpdate('A', { submissions_count: 0 }) },
    delete: { target: 'A', expect: SERVICE_ONLY },
  },

  // ------------------------------------------------------------------ 005 discovery
  content_category: {
    select: lookup([], ['inactive']),
    hidden: { anon: NONE, authenticated: NONE },
    insert: { row: () => ({ code: 'crypto', display_name: 'Crypto' }), expect: SERVICE_ONLY },
    update: { 'is_active': svcUpdate('inactive', { is_active: true }) },
    delete: { target: 'inactive', expect: SERVICE_ONLY },
  },
  content_tag: {
    select: {
      anon: ['A', 'A_ai', 'B'], owner: ['A', 'A_ai', 'A_private', 'A_deleted', 'B'], other: ['A', 'A_ai', 'B'],
      admin: ['A', 'A_ai', 'A_private', 'A_deleted', 'B', 'C'], service: ['A', 'A_ai', 'A_private', 'A_deleted', 'B', 'C'],
    },
    hidden: { anon: NONE, authenticated: NONE },
    insertable: ['content_id', 'tag', 'tag_type'],
    insert: { row: (w) => ({ content_id: w.id('content_item', 'A'), tag: 'fresh', tag_type: 'topic' }), expect: OWNER_INSERTS },
    update: { 'tag, source': svcUpdate('A', { tag: 'renamed', source: 'ai_generated' }) },
    delete: { target: 'A', expect: OWNER_WRITES },
  },
  content_click: {
    select: ownRows(['A'], ['B'], ['A', 'B']),
    hidden: { anon: '*', authenticated: ['user_id', 'visitor_hash', 'click_hour', 'user_agent'] },
    insert: { row: (w) => ({ content_id: w.id('content_item', 'A'), visitor_hash: 'forged-visitor-0123456789' }), expect: SERVICE_ONLY },
    update: { 'referrer': svcUpdate('A', { referrer: 'https://spam.example' }) },
    delete: { target: 'A', expect: SERVICE_ONLY },
  },
  content_media: {
    select: { anon: ['A', 'B'], owner: ['A', 'A_private', 'B'], other: ['A', 'B'], admin: ['A', 'A_private', 'B', 'C'], service: ['A', 'A_private', 'B', 'C'] },
    hidden: { anon: NONE, authenticated: NONE },
    insert: { row: (w) => ({ content_id: w.id('content_item', 'A'), media_type: 'image', url: 'https://img.example.com/x.jpg' }), expect: SERVICE_ONLY },
    update: { 'url': svcUpdate('A', { url: 'https://evil.example/x.jpg' }) },
    delete: { target: 'A', expect: SERVICE_ONLY },
  },
  trending_content: {
    select: { anon: ['A', 'B'], owner: ['A', 'A_private', 'B'], other: ['A', 'B'], admin: ['A', 'A_private', 'B', 'C'], service: ['A', 'A_private', 'B', 'C'] },
    hidden: { anon: NONE, authenticated: NONE },
    insert: { row: (w) => ({ content_id: w.id('content_item', 'A'), period: 'today', rank: 1, trend_score: 1e6 }), expect: SERVICE_ONLY },
    update: { 'trend_score': svcUpdate('A', { trend_score: 1e6 }) },
    delete: { target: 'A', expect: SERVICE_ONLY },
  },
  featured_creator: {
    select: { anon: ['A'], owner: ['A'], other: ['A'], admin: ['A'], service: ['A', 'A_ended', 'C'] },
    hidden: { anon: NONE, authenticated: NONE },
    insert: { row: (w) => ({ user_id: w.users.B, headline: 'Me!' }), expect: SERVICE_ONLY },
    update: { 'placement (position, ends_at)': svcUpdate('A', { position: -1, ends_at: null }) },
    delete: { target: 'A', expect: SERVICE_ONLY },
  },

  // ------------------------------------------------------------------ 006 async infrastructure
  job_type: {
    select: { anon: 'denied', owner: [SEED, 'extra'], other: [SEED, 'extra'], admin: [SEED, 'extra'], service: [SEED, 'extra'] },
    hidden: { anon: '*', authenticated: NONE },
    insert: { row: () => ({ slug: 'crypto_mining', display_name: 'x', queue_name: 'sync' }), expect: SERVICE_ONLY },
    update: { 'retry policy (max_retries, timeout_seconds, is_active)': svcUpdate('extra', { max_retries: 20, timeout_seconds: 900, is_active: true }) },
    delete: { target: 'extra', expect: SERVICE_ONLY },
  },
  job_queue: {
    select: ownRows(['A'], ['B'], ['A', 'B', 'system']),
    hidden: { anon: '*', authenticated: NONE },
    insert: {
      row: (w, tx) => ({ user_id: w.users.A, job_type: 'sync_youtube', job_type_id: w.lookup.job_type!.platform_sync, params: tx.json({ forged: true }) }),
      expect: SERVICE_ONLY,
    },
    update: {
      'status (→ completed)': svcUpdate('A', { status: 'completed', completed_at: new Date(), progress: 100 }),
      'scheduling (priority, scheduled_for, max_retries)': svcUpdate('A', { priority: 10, scheduled_for: new Date(0), max_retries: 20 }),
      'outcome (result, error_message)': { target: 'A', set: (_w, tx) => ({ result: tx.json({ ok: true }), error_message: null }), expect: SERVICE_ONLY },
    },
    delete: { target: 'A', expect: SERVICE_ONLY },
  },
  job_log: {
    select: ownRows(['A'], ['B'], ['A', 'B', 'system']),
    hidden: { anon: '*', authenticated: NONE },
    insert: { row: (w) => ({ job_id: w.id('job_queue', 'A'), level: 'error', message: 'forged' }), expect: SERVICE_ONLY },
    update: { 'message': svcUpdate('A', { message: 'rewritten' }) },
    delete: { target: 'A', expect: SERVICE_ONLY },
  },
  stripe_webhook_events: {
    select: { anon: 'denied', owner: 'denied', other: 'denied', admin: 'denied', service: ['event'] },
    hidden: { anon: '*', authenticated: '*' },
    insert: { row: (_w, tx) => ({ stripe_event_id: 'evt_forged', event_type: 'customer.subscription.updated', payload: tx.json({ tier: 'premium' }) }), expect: SERVICE_ONLY },
    update: { 'status (→ processed)': svcUpdate('event', { status: 'processed', processed_at: new Date(), next_retry_at: null }) },
    delete: { target: 'event', expect: SERVICE_ONLY },
  },
};

/**
 * Columns withheld from anon but granted to authenticated so the owner can read them. Column grants are
 * per role, not per row, so they are equally readable by *another* user wherever RLS shows that user A's
 * row (public profile, public account, public item). The model ("never readable by other callers", 000)
 * says they must not be.
 */
const OWNER_ONLY_COLUMNS: [table: string, row: string, columns: string[]][] = [
  ['users', 'A', ['last_active_at']],
  ['social_account', 'A', ['connection_id', 'sync_enabled', 'last_synced_at', 'last_sync_error']],
  ['content_item', 'A', ['platform_data', 'ai_processed_at', 'last_synced_at']],
];

// ---------------------------------------------------------------------------------------------------------
// The expectations, one entry per function (public, auth, and any other non-extension schema)
// ---------------------------------------------------------------------------------------------------------
type ApiRole = 'anon' | 'authenticated' | 'service_role';
const API_ROLES: ApiRole[] = ['anon', 'authenticated', 'service_role'];
interface FunctionSpec {
  /** Who may EXECUTE (exactly). Trigger functions: nobody. */
  exec: readonly ApiRole[];
  definer?: true;
  /** Only for a SECURITY DEFINER function deliberately executable by PUBLIC or anon. */
  intendedPublic?: string;
  /** A representative call; run as anon, as A (authenticated) and as service_role. */
  call: (w: World) => [text: string, params?: unknown[]];
}
const ALL: ApiRole[] = ['anon', 'authenticated', 'service_role'];
const USERS: ApiRole[] = ['authenticated', 'service_role'];
const SERVICE: ApiRole[] = ['service_role'];
const TRIGGER: ApiRole[] = [];
const sql = (text: string, ...params: ((w: World) => unknown)[]) => (w: World): [string, unknown[]] => [text, params.map((p) => p(w))];
const A = (w: World) => w.users.A;
const itemA = (w: World) => w.id('content_item', 'A');
const jobA = (w: World) => w.id('job_queue', 'A');

const FUNCTIONS: Record<string, FunctionSpec> = {
  'auth.email()': { exec: ALL, call: sql('SELECT auth.email()') },
  'auth.jwt()': { exec: ALL, call: sql('SELECT auth.jwt()') },
  'auth.role()': { exec: ALL, call: sql('SELECT auth.role()') },
  'auth.uid()': { exec: ALL, call: sql('SELECT auth.uid()') },
  'public.apply_follower_delta()': { exec: TRIGGER, definer: true, call: sql('SELECT public.apply_follower_delta()') },
  'public.assert_quota_args(text, integer)': { exec: SERVICE, call: sql(`SELECT public.assert_quota_args('sync', 1)`) },
  'public.calculate_ai_cost_cents(uuid, integer, integer)': { exec: SERVICE, call: sql('SELECT public.calculate_ai_cost_cents($1, 100, 100)', (w) => w.lookup.ai_model!['gpt-4o']) },
  'public.calculate_trend_score(bigint, bigint, timestamp with time zone)': { exec: ALL, call: sql('SELECT public.calculate_trend_score(1, 10, now())') },
  'public.check_quota(uuid, text, integer)': { exec: SERVICE, call: sql(`SELECT public.check_quota($1, 'sync', 1)`, A) },
  'public.create_user_defaults()': { exec: TRIGGER, definer: true, call: sql('SELECT public.create_user_defaults()') },
  'public.current_user_has_role(app_role_enum)': { exec: USERS, definer: true, call: sql(`SELECT public.current_user_has_role('admin')`) },
  'public.decrement_quota(uuid, text, integer)': { exec: SERVICE, definer: true, call: sql(`SELECT public.decrement_quota($1, 'ai_analysis', 40)`, A) },
  'public.effective_quota(uuid)': { exec: SERVICE, call: sql('SELECT * FROM public.effective_quota($1)', A) },
  'public.fill_ai_usage_cost()': { exec: TRIGGER, call: sql('SELECT public.fill_ai_usage_cost()') },
  'public.generate_profile_slug(text, uuid)': { exec: SERVICE, definer: true, call: sql(`SELECT public.generate_profile_slug('Alice', $1)`, A) },
  'public.get_my_quota()': { exec: USERS, definer: true, call: sql('SELECT * FROM public.get_my_quota()') },
  'public.has_role(uuid, app_role_enum)': { exec: SERVICE, call: sql(`SELECT public.has_role($1, 'admin')`, A) },
  'public.increment_content_clicks(uuid)': { exec: SERVICE, definer: true, call: sql('SELECT public.increment_content_clicks($1)', itemA) },
  'public.increment_quota(uuid, text, integer)': { exec: SERVICE, definer: true, call: sql(`SELECT public.increment_quota($1, 'sync', 1)`, A) },
  'public.is_admin()': { exec: USERS, call: sql('SELECT public.is_admin()') },
  'public.prevent_social_account_delete_with_content()': { exec: TRIGGER, definer: true, call: sql('SELECT public.prevent_social_account_delete_with_content()') },
  'public.mark_content_user_edits()': { exec: TRIGGER, call: sql('SELECT public.mark_content_user_edits()') },
  'public.record_content_revision()': { exec: TRIGGER, definer: true, call: sql('SELECT public.record_content_revision()') },
  'public.enforce_social_account_limit()': { exec: TRIGGER, definer: true, call: sql('SELECT public.enforce_social_account_limit()') },
  // 013: sync requests (the sync feature, as service_role), quota refunds (a trigger), deferrals (workers)
  'public.request_sync(uuid, uuid, text, jsonb)': { exec: SERVICE, definer: true,
    call: sql(`SELECT * FROM public.request_sync($1, $2, 'sync_youtube', '{}')`, A, (w) => w.id('social_account', 'A')) },
  'public.refund_job_quota()': { exec: TRIGGER, definer: true, call: sql('SELECT public.refund_job_quota()') },
  // 022: admin and moderation, notifications each once.
  'public.audit_log_append_only()': { exec: TRIGGER, definer: true, call: sql('SELECT public.audit_log_append_only()') },
  'public.notify_job_failed()': { exec: TRIGGER, definer: true, call: sql('SELECT public.notify_job_failed()') },
  'public.notify_quota_thresholds()': { exec: TRIGGER, definer: true, call: sql('SELECT public.notify_quota_thresholds()') },
  'public.set_hidden(text, uuid, text)': { exec: SERVICE, call: sql(`SELECT * FROM public.set_hidden('content', $1, 'spam')`, itemA) },
  'public.requeue_dead_job(uuid)': { exec: SERVICE, call: sql('SELECT public.requeue_dead_job($1)', jobA) },
  'public.cleanup_read_notifications(interval, integer)': { exec: SERVICE, call: sql(`SELECT public.cleanup_read_notifications('30 days', 10)`) },
  // 018: site pages. One boolean each: whether a page that was public has been deleted (410), never a column of it.
  'public.creator_page_gone(text)': { exec: ALL, definer: true,
    intendedPublic: 'public site pages: 410 for a creator who was public when deleted; answers one boolean, false for private or live ones',
    call: sql(`SELECT public.creator_page_gone('nobody')`) },
  'public.content_page_gone(uuid)': { exec: ALL, definer: true,
    intendedPublic: 'public site pages: 410 for an item that was public (of a public creator) and was deleted; answers one boolean',
    call: sql(`SELECT public.content_page_gone('00000000-0000-4000-8000-000000000000')`) },
  // 019: notifications with a dedupe key (every feature, as service_role)
  'public.notify_user(uuid, notification_type_enum, text, text, text, jsonb, text)': { exec: SERVICE,
    call: sql(`SELECT public.notify_user($1, 'info', 'Hello', 'A message', 'rls-matrix:once')`, A) },
  // 017: a sync page (the sync worker, as service_role)
  'public.sync_write_page(uuid, uuid, uuid, jsonb, timestamp with time zone, text)': { exec: SERVICE,
    call: sql(`SELECT * FROM public.sync_write_page($1, $2, (SELECT platform_id FROM public.social_account WHERE id = $1), '[]', now(), '{}')`,
      (w) => w.id('social_account', 'A'), A) },
  // 016: quota jobs (the API as service_role), applying a suggestion (its owner, or the AI worker)
  'public.request_quota_job(uuid, text, jsonb, text, integer)': { exec: SERVICE, definer: true,
    call: sql(`SELECT * FROM public.request_quota_job($1, 'ai_generate_tags', '{"content_item_id": "x"}', 'ai_analysis', 1)`, A) },
  'public.apply_ai_suggestion(uuid, text, boolean, text[], action_mode_enum)': { exec: USERS, definer: true,
    call: sql(`SELECT * FROM public.apply_ai_suggestion($1, NULL, false, '{}', 'approve')`, (w) => w.id('ai_suggestion', 'A')) },
  'public.defer_job(uuid, text, timestamp with time zone, text)': { exec: SERVICE,
    call: sql(`SELECT public.defer_job($1, 'wait', now() + interval '1 hour')`, jobA) },
  'public.record_seo_submission_usage(uuid, uuid, boolean)': { exec: SERVICE, definer: true,
    call: sql('SELECT public.record_seo_submission_usage($1, $2, true)', A, (w) => w.lookup.search_engine!.google) },
  // 020: SEO submission (the seo feature as service_role), auto-submit triggers, the drain, outcomes
  'public.fill_seo_submission_engine()': { exec: TRIGGER, call: sql('SELECT public.fill_seo_submission_engine()') },
  'public.queue_seo_changes()': { exec: TRIGGER, definer: true, call: sql('SELECT public.queue_seo_changes()') },
  'public.queue_seo_inserts()': { exec: TRIGGER, definer: true, call: sql('SELECT public.queue_seo_inserts()') },
  'public.queue_seo_deletes()': { exec: TRIGGER, definer: true, call: sql('SELECT public.queue_seo_deletes()') },
  'public.fail_seo_job_submissions()': { exec: TRIGGER, definer: true, call: sql('SELECT public.fail_seo_job_submissions()') },
  'public.seo_owned_page_url(uuid, text, uuid, text)': { exec: [], definer: true,
    call: sql(`SELECT public.seo_owned_page_url($1, 'https://streamvibe.app', $2, NULL)`, A, itemA) },
  'public.take_seo_daily_usage(uuid, uuid, integer)': { exec: SERVICE, definer: true,
    call: sql('SELECT public.take_seo_daily_usage($1, $2, 1)', A, (w) => w.lookup.search_engine!.indexnow) },
  'public.request_seo_submission(uuid, text, text, uuid, text)': { exec: SERVICE, definer: true,
    call: sql(`SELECT * FROM public.request_seo_submission($1, 'https://streamvibe.app', 'indexnow', $2, NULL)`, A, itemA) },
  'public.drain_seo_pending(text, boolean, interval, interval)': { exec: SERVICE, definer: true,
    call: sql(`SELECT * FROM public.drain_seo_pending('https://streamvibe.app', true, interval '0', interval '0')`) },
  'public.record_seo_results(uuid, jsonb)': { exec: SERVICE, definer: true,
    call: sql(`SELECT * FROM public.record_seo_results($1, '[]')`, jobA) },
  'public.refresh_trending_content(integer)': { exec: SERVICE, definer: true, call: sql('SELECT public.refresh_trending_content(10)') },
  'public.reset_expired_quotas()': { exec: SERVICE, definer: true, call: sql('SELECT public.reset_expired_quotas()') },
  'public.set_updated_at()': { exec: TRIGGER, call: sql('SELECT public.set_updated_at()') },
  'public.suggest_profile_slug(text)': { exec: USERS, definer: true, call: sql(`SELECT public.suggest_profile_slug('Alice')`) },
  'public.track_content_click(uuid, text, uuid, text, text)': { exec: SERVICE, definer: true,
    call: sql(`SELECT public.track_content_click($1, 'visitor-hash-fresh-0123456789', NULL, NULL, NULL)`, itemA) },
  'public.update_total_followers(uuid)': { exec: SERVICE, definer: true, call: sql('SELECT public.update_total_followers($1)', A) },
  // 006: jobs (workers, schedules and the API as service_role; users only through get_my_* and cancel_my_job)
  'public.find_or_create_job(uuid, text, jsonb, integer, interval, timestamp with time zone)': { exec: SERVICE,
    call: sql(`SELECT * FROM public.find_or_create_job($1, 'sync_youtube', '{"channel": "second"}')`, A) },
  'public.create_job(uuid, text, jsonb, integer, timestamp with time zone)': { exec: SERVICE, call: sql(`SELECT public.create_job($1, 'sync_youtube', '{"channel": "third"}')`, A) },
  'public.get_user_jobs(uuid, job_status_enum, text, integer, integer)': { exec: SERVICE, call: sql('SELECT * FROM public.get_user_jobs($1)', A) },
  'public.get_job_queue_stats(uuid)': { exec: SERVICE, call: sql('SELECT * FROM public.get_job_queue_stats(NULL)') },
  'public.get_cached_job_result(uuid, text, jsonb, interval)': { exec: SERVICE, call: sql(`SELECT * FROM public.get_cached_job_result($1, 'sync_youtube', '{}')`, A) },
  'public.start_job(uuid, text)': { exec: SERVICE, call: sql(`SELECT public.start_job($1, 'worker-1')`, jobA) },
  'public.update_job_progress(uuid, integer, text, text)': { exec: SERVICE, call: sql('SELECT public.update_job_progress($1, 50)', jobA) },
  'public.complete_job(uuid, jsonb, text)': { exec: SERVICE, call: sql(`SELECT public.complete_job($1, '{"ok": true}')`, jobA) },
  // 023: a worker's batch in one statement
  'public.start_jobs(uuid[], text)': { exec: SERVICE, call: sql(`SELECT * FROM public.start_jobs(ARRAY[$1]::uuid[], 'worker-1')`, jobA) },
  'public.complete_jobs(jsonb, text)': { exec: SERVICE, call: sql(`SELECT public.complete_jobs(jsonb_build_object($1::text, '{"ok": true}'::jsonb))`, jobA) },
  'public.fail_job(uuid, text, boolean, text)': { exec: SERVICE, call: sql(`SELECT public.fail_job($1, 'boom')`, jobA) },
  'public.cancel_job(uuid, text)': { exec: SERVICE, call: sql('SELECT public.cancel_job($1)', jobA) },
  'public.add_job_log(uuid, text, text, jsonb)': { exec: SERVICE, call: sql(`SELECT public.add_job_log($1, 'info', 'hello')`, jobA) },
  'public.retry_failed_jobs(integer)': { exec: SERVICE, call: sql('SELECT public.retry_failed_jobs(10)') },
  'public.detect_stuck_jobs(interval)': { exec: SERVICE, call: sql(`SELECT public.detect_stuck_jobs('30 minutes')`) },
  'public.expire_stale_jobs(interval)': { exec: SERVICE, call: sql(`SELECT public.expire_stale_jobs('24 hours')`) },
  'public.cleanup_old_jobs(interval, integer)': { exec: SERVICE, call: sql(`SELECT * FROM public.cleanup_old_jobs('30 days', 10)`) },
  'public.claim_undispatched_jobs(integer, interval)': { exec: SERVICE, call: sql(`SELECT * FROM public.claim_undispatched_jobs(10, '5 minutes')`) },
  'public.mark_jobs_dispatched(uuid[])': { exec: SERVICE, call: sql('SELECT public.mark_jobs_dispatched(ARRAY[$1]::uuid[])', jobA) },
  'public.notify_job_status_change()': { exec: TRIGGER, call: sql('SELECT public.notify_job_status_change()') },
  'public.get_my_jobs(job_status_enum, text, integer, integer)': { exec: ['authenticated'], call: sql('SELECT * FROM public.get_my_jobs()') },
  'public.get_my_job_stats()': { exec: ['authenticated'], call: sql('SELECT * FROM public.get_my_job_stats()') },
  'public.cancel_my_job(uuid)': { exec: ['authenticated'], definer: true, call: sql('SELECT public.cancel_my_job($1)', jobA) },
  // 006: Stripe webhooks and the Stripe cache (the stripe-webhook Lambda and schedules)
  'public.log_stripe_webhook_event(text, text, jsonb)': { exec: SERVICE, call: sql(`SELECT * FROM public.log_stripe_webhook_event('evt_new_1', 'invoice.paid', '{}')`) },
  'public.mark_webhook_processed(text)': { exec: SERVICE, call: sql(`SELECT public.mark_webhook_processed('evt_fixture_1')`) },
  'public.mark_webhook_failed(text, text)': { exec: SERVICE, call: sql(`SELECT public.mark_webhook_failed('evt_fixture_1', 'boom')`) },
  'public.retry_failed_webhooks(integer)': { exec: SERVICE, call: sql('SELECT * FROM public.retry_failed_webhooks(10)') },
  'public.cache_stripe_data(text, jsonb, integer)': { exec: SERVICE, call: sql(`SELECT public.cache_stripe_data('stripe:price:x', '{}')`) },
  'public.get_cached_stripe_data(text)': { exec: SERVICE, call: sql(`SELECT public.get_cached_stripe_data('discovery:home')`) },
  'public.invalidate_cache(text, boolean)': { exec: SERVICE, call: sql(`SELECT public.invalidate_cache('discovery:', true)`) },
  'public.cleanup_expired_cache()': { exec: SERVICE, call: sql('SELECT public.cleanup_expired_cache()') },
  // 007: discovery search. The public API (anon) calls four bounded definers; their tables stay in schema search.
  'public.search_content_candidates(text, text, integer, text, text, text, text)': { exec: ALL, definer: true,
    intendedPublic: 'public full-text search: GIN is unusable under RLS (@@ is not leakproof); returns ids and sort keys of discoverable items only, at most 1000',
    call: sql(`SELECT * FROM public.search_content_candidates('video', 'recent', 10)`) },
  'public.search_creator_candidates(text, integer, text, boolean, bigint)': { exec: ALL, definer: true,
    intendedPublic: 'public creator search: same reason; returns ids and scores of public, live creators only, at most 1000',
    call: sql(`SELECT * FROM public.search_creator_candidates('alice', 10)`) },
  'public.suggest_search_words(text[])': { exec: ALL, definer: true,
    intendedPublic: 'public "did you mean": reads search.lexicon (words of discoverable titles only), at most 10 words',
    call: sql(`SELECT * FROM public.suggest_search_words(ARRAY['vidoe'])`) },
  'public.discovery_category_counts()': { exec: ALL, definer: true,
    intendedPublic: 'public category list: cached counts of discoverable items; recounts at most once per TTL fixed inside',
    call: sql('SELECT public.discovery_category_counts()') },
  'search.refresh_lexicon()': { exec: SERVICE, definer: true, call: sql('SELECT search.refresh_lexicon()') },
  'search.refresh_category_counts(integer)': { exec: SERVICE, definer: true, call: sql('SELECT search.refresh_category_counts(600)') },
  'search.refresh_creator_stats()': { exec: SERVICE, definer: true, call: sql('SELECT search.refresh_creator_stats()') },
  // 008: recency lists of common search terms, kept by triggers on content_item and a daily refresh.
  'search.add_term_postings()': { exec: TRIGGER, definer: true, call: sql('SELECT search.add_term_postings()') },
  'search.sync_term_postings()': { exec: TRIGGER, definer: true, call: sql('SELECT search.sync_term_postings()') },
  'search.refresh_common_terms(integer, integer)': { exec: SERVICE, definer: true,
    call: sql('SELECT search.refresh_common_terms(NULL, 1000)') },
  // 011: per-visitor click counters (search.click_rate), pruned by the daily cleanup.
  'search.prune_click_rate()': { exec: SERVICE, call: sql('SELECT search.prune_click_rate()') },
  // 021: billing (the billing Lambdas, as service_role): the stage's prices, a subscription's state as Stripe holds it, its
  // history, the schedule of due changes, and the account limit of syncs (request_sync, a definer, calls it).
  'billing.configure_stripe_prices(jsonb)': { exec: SERVICE, call: sql(`SELECT billing.configure_stripe_prices('{"basic": {"month": "price_rls_basic"}}')`) },
  'billing.apply_stripe_subscription(uuid, text, text, text, text, timestamp with time zone, timestamp with time zone, boolean, timestamp with time zone, timestamp with time zone, text)': {
    exec: SERVICE,
    call: sql(`SELECT (SELECT billing.configure_stripe_prices('{"basic": {"month": "price_rls_basic"}}')) = 1
                 AND (SELECT count(*) FROM billing.apply_stripe_subscription($1, 'sub_rls', 'cus_rls', 'price_rls_basic', 'active', now(),
                        now() + interval '30 days', false, NULL, NULL, 'evt_rls')) = 1`, A) },
  'billing.record_subscription_change(uuid, text, text, uuid, uuid, uuid, text, text, uuid, timestamp with time zone, timestamp with time zone, text)': {
    exec: SERVICE,
    call: sql(`SELECT billing.record_subscription_change($1, 'sub_rls', 'upgraded', (SELECT id FROM public.subscription_tier WHERE slug = 'free'),
                 (SELECT id FROM public.subscription_tier WHERE slug = 'basic'), NULL, 'active', 'active', NULL, NULL, now(), 'evt_rls')`, A) },
  'billing.apply_due_subscription_changes(integer)': { exec: SERVICE, call: sql('SELECT billing.apply_due_subscription_changes(10)') },
  'billing.account_within_limit(uuid, uuid)': { exec: SERVICE, call: sql('SELECT billing.account_within_limit($1, $2)', A, (w) => w.id('social_account', 'A')) },
  // 015: trending keywords, recomputed hourly by the AI feature's schedule.
  'public.refresh_trending_keywords(integer)': { exec: SERVICE, definer: true, call: sql('SELECT public.refresh_trending_keywords(10)') },
};

// ---------------------------------------------------------------------------------------------------------
// Executor
// ---------------------------------------------------------------------------------------------------------
let db: TestDatabase;
let w: World;
/** table -> its columns, in order. */
let columns: Record<string, string[]>;

const callerOf = (who: Who): Caller =>
  who === 'anon' ? { role: 'anon' }
    : who === 'service' ? { role: 'service_role' }
      : { role: 'authenticated', claims: claimsFor(w.users[({ owner: 'A', other: 'B', admin: 'D' } as const)[who]]) };
const roleOf = (who: Who): ApiRole => callerOf(who).role;

interface PgError { code?: string; message: string }
type Result<T> = { ok: true; value: T } | { ok: false; error: PgError };
const ROLLBACK = new Error('rollback');

/** Runs `work` as the caller in its own transaction (after an optional `prepare` as service_role) and always rolls back. */
async function attempt<T>(who: Who, work: (tx: Sql) => Promise<T>, prepare?: (tx: Sql) => Promise<unknown>): Promise<Result<T>> {
  let result: Result<T> | undefined;
  await withCaller(db.app, callerOf(who), async (tx) => {
    if (prepare) {
      await tx`SELECT set_config('role', 'service_role', true)`;
      await prepare(tx);
      await tx`SELECT set_config('role', ${roleOf(who)}, true)`;
    }
    try {
      result = { ok: true, value: await work(tx) };
    } catch (error) {
      result = { ok: false, error: error as PgError };
    }
    throw ROLLBACK;
  }).catch((e: unknown) => { if (e !== ROLLBACK) throw e; });
  return result!;
}

const describeError = (e: PgError) =>
  e.code === '42501' ? (/row-level security/.test(e.message) ? 'rls' : 'denied') : `error ${e.code ?? '?'}: ${e.message}`;

/** A write's outcome: ok (exactly one row) | denied | rls | filtered (0 rows) | anything unexpected, spelled out. */
async function write(who: Who, work: (tx: Sql) => PendingQuery<PgRow[]>, prepare?: (tx: Sql) => PendingQuery<PgRow[]>): Promise<string> {
  const r = await attempt(who, async (tx) => (await work(tx)).count, prepare);
  if (!r.ok) return describeError(r.error);
  return r.value === 0 ? 'filtered' : r.value === 1 ? 'ok' : `${r.value} rows`;
}

/** What the caller sees of a table: 'denied', or the sorted labels of the visible rows ('seed' = all seeded rows). */
async function read(who: Who, table: string, cols: string[]): Promise<Read | string> {
  const pk = w.pk[table]!;
  const r = await attempt(who, (tx) => (cols.length
    ? tx`SELECT ${tx(pk)}::text AS k, ${tx(cols)} FROM ${tx(table)}`
    : tx`SELECT ${tx(pk)}::text AS k FROM ${tx(table)}`));
  if (!r.ok) return describeError(r.error);
  return labels(table, r.value.map((row) => row.k as string));
}

function labels(table: string, keys: string[]): string[] {
  const seen = keys.map((k) => w.labelOf(table, k));
  const seeds = seen.filter((l) => l === SEED).length;
  const total = w.seeds[table]!.size;
  const rest = seen.filter((l) => l !== SEED);
  if (seeds && seeds !== total) rest.push(`seed (${seeds} of ${total})`);
  else if (seeds) rest.push(SEED);
  return rest.sort();
}

/** The columns that raise 42501 for the caller, each probed under its own savepoint. */
async function unreadable(who: Who, table: string, candidates: string[]): Promise<string[]> {
  const r = await attempt(who, async (tx) => {
    const denied: string[] = [];
    for (const c of candidates) {
      await tx.savepoint((sp) => sp`SELECT ${sp(c)} FROM ${sp(table)} LIMIT 0`).catch((e: PgError) => {
        if (e.code !== '42501') throw e;
        denied.push(c);
      });
    }
    return denied;
  });
  if (!r.ok) throw new Error(r.error.message);
  return r.value.sort();
}

const grid = <T>(f: (who: Who) => T): Grid<T> => Object.fromEntries(WHO.map((who) => [who, f(who)])) as Grid<T>;
const gridAsync = async <T>(f: (who: Who) => Promise<T>): Promise<Grid<T>> => {
  const out = {} as Grid<T>;
  for (const who of WHO) out[who] = await f(who); // sequential: cells touch the same rows
  return out;
};
const sorted = (cols: Cols, table: string) => (cols === '*' ? [...columns[table]!] : [...cols]).sort();
const hiddenFor = (spec: TableSpec, table: string, who: Who): string[] =>
  who === 'service' ? [] : sorted(who === 'anon' ? spec.hidden.anon : spec.hidden.authenticated, table);

// Catalog facts
interface ColumnPrivilege { table: string; column: string; anon_select: boolean; auth_select: boolean; auth_insert: boolean; auth_update: boolean }
let columnPrivileges: ColumnPrivilege[];
/** CHECK constraints that could not be compiled on the unpatched schema (see "schema defects" below). */
let brokenChecks: CheckConstraint[];
const catalogCols = (table: string, pick: (p: ColumnPrivilege) => boolean) =>
  columnPrivileges.filter((p) => p.table === table && pick(p)).map((p) => p.column).sort();

beforeAll(async () => {
  db = await createTestDatabase('rls_matrix', { max: 4 });
  brokenChecks = await uncompilableChecks(db.owner);
  await patchUncompilableChecks(db.owner, brokenChecks); // this test database only, so the world can hold those rows
  w = await buildWorld(db.app, db.owner);
  columnPrivileges = await db.owner<ColumnPrivilege[]>`
    SELECT c.relname AS table, a.attname AS column,
           has_column_privilege('anon', c.oid, a.attnum, 'SELECT') AS anon_select,
           has_column_privilege('authenticated', c.oid, a.attnum, 'SELECT') AS auth_select,
           has_column_privilege('authenticated', c.oid, a.attnum, 'INSERT') AS auth_insert,
           has_column_privilege('authenticated', c.oid, a.attnum, 'UPDATE') AS auth_update
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
    ORDER BY c.relname, a.attnum`;
  columns = {};
  for (const p of columnPrivileges) (columns[p.table] ??= []).push(p.column);
});
afterAll(async () => { await db?.drop(); });

// ---------------------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------------------
describe('tables × callers', () => {
  it('has an expectation entry for every table in public (and none for a table that does not exist)', async () => {
    const tables = (await db.owner`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`).map((r) => r.tablename as string);
    expect({ missing: tables.filter((t) => !TABLES[t]).sort(), stale: Object.keys(TABLES).filter((t) => !tables.includes(t)).sort() })
      .toEqual({ missing: [], stale: [] });
  });

  it('enables and forces RLS on every table, each with a <table>_service policy and no policy for PUBLIC', async () => {
    const rows = await db.owner`
      SELECT c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
             EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = c.relname || '_service'
                       AND p.polroles = ARRAY['service_role'::regrole::oid] AND p.polcmd = '*' AND p.polpermissive
                       AND pg_get_expr(p.polqual, c.oid) = 'true' AND pg_get_expr(p.polwithcheck, c.oid) = 'true') AS service_policy,
             EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND 0::oid = ANY (p.polroles)) AS public_policy,
             EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND 'anon'::regrole::oid = ANY (p.polroles) AND p.polcmd <> 'r') AS anon_write_policy
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1`;
    const bad = rows.filter((r) => !r.enabled || !r.forced || !r.service_policy || r.public_policy || r.anon_write_policy);
    expect(bad.map((r) => ({ ...r }))).toEqual([]);
  });

  it('gives the API roles no TRUNCATE/TRIGGER/REFERENCES (TRUNCATE ignores RLS), anon no write at all, and no views or sequences', async () => {
    const [r] = await db.owner`
      WITH rel AS (SELECT c.oid, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public')
      SELECT
        (SELECT coalesce(array_agg(relname || ':' || role || ':' || priv ORDER BY 1), '{}') FROM rel,
           unnest(ARRAY['anon', 'authenticated', 'service_role']) role, unnest(ARRAY['TRUNCATE', 'TRIGGER', 'REFERENCES']) priv
         WHERE relkind IN ('r', 'p') AND has_table_privilege(role, oid, priv)) AS dangerous,
        (SELECT coalesce(array_agg(relname || ':' || priv ORDER BY 1), '{}') FROM rel, unnest(ARRAY['INSERT', 'UPDATE', 'DELETE']) priv
         WHERE relkind IN ('r', 'p')
           AND CASE priv WHEN 'DELETE' THEN has_table_privilege('anon', oid, priv) ELSE has_any_column_privilege('anon', oid, priv) END) AS anon_writes,
        (SELECT coalesce(array_agg(relname ORDER BY 1), '{}') FROM rel WHERE relkind IN ('v', 'm')) AS views,
        (SELECT coalesce(array_agg(relname || ':' || role ORDER BY 1), '{}') FROM rel, unnest(ARRAY['anon', 'authenticated']) role
         WHERE relkind = 'S' AND (has_sequence_privilege(role, oid, 'USAGE') OR has_sequence_privilege(role, oid, 'UPDATE'))) AS sequences`;
    expect({ ...r }).toEqual({ dangerous: [], anon_writes: [], views: [], sequences: [] });
  });

  it('lets anon and authenticated into no schema but public, auth, extensions (and meta for authenticated: 006’s job-kind catalogue)', async () => {
    const rows = await db.owner`
      SELECT nspname AS schema, role FROM pg_namespace, unnest(ARRAY['anon', 'authenticated']) role
      WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' AND has_schema_privilege(role, oid, 'USAGE')
      ORDER BY 1, 2`;
    expect(rows.map((r) => `${r.schema}:${r.role}`)).toEqual(
      [...['auth', 'extensions'].flatMap((s) => [`${s}:anon`, `${s}:authenticated`]), 'meta:authenticated', 'public:anon', 'public:authenticated']);
  });

  it('outside public, anon and authenticated can reach exactly meta.job_kind (SELECT, authenticated; RLS forced)', async () => {
    const rows = await db.owner`
      SELECT format('%s.%s:%s:%s', n.nspname, c.relname, role, priv) AS grant, c.relrowsecurity AND c.relforcerowsecurity AS rls
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace,
           unnest(ARRAY['anon', 'authenticated']) role, unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) priv
      WHERE n.nspname NOT IN ('public', 'pg_catalog', 'information_schema', 'extensions') AND n.nspname NOT LIKE 'pg\\_%'
        AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
        AND (has_table_privilege(role, c.oid, priv) OR (priv IN ('SELECT', 'INSERT', 'UPDATE') AND has_any_column_privilege(role, c.oid, priv)))
      ORDER BY 1`;
    expect(rows.map((r) => ({ ...r }))).toEqual([{ grant: 'meta.job_kind:authenticated:SELECT', rls: true }]);
  });

  describe.each(Object.keys(TABLES))('%s', (table) => {
    const spec = TABLES[table]!;
    it('each caller can do exactly what it should', async () => {
      const pk = () => w.pk[table]!;
      const target = (label: string) => w.id(table, label);
      const expected = {
        grants: {
          'authenticated may INSERT': [...(spec.insertable ?? [])].sort(),
          'authenticated may UPDATE': [...(spec.updatable ?? [])].sort(),
        },
        // A table without seed rows (trending_keyword) cannot show them: 'seed' is dropped from the expectation.
        SELECT: grid((who) => (spec.select[who] === 'denied' ? 'denied'
          : spec.select[who].filter((l) => l !== SEED || w.seeds[table]!.size > 0).sort())),
        'unreadable columns': grid((who) => hiddenFor(spec, table, who)),
        INSERT: spec.insert.expect,
        ...Object.fromEntries(Object.entries(spec.update).map(([name, u]) => [`UPDATE ${name} of ${u.target}`, u.expect])),
        [`DELETE ${spec.delete.target}`]: spec.delete.expect,
      };

      const actual: Record<string, unknown> = {
        grants: {
          'authenticated may INSERT': catalogCols(table, (p) => p.auth_insert),
          'authenticated may UPDATE': catalogCols(table, (p) => p.auth_update),
        },
        SELECT: await gridAsync((who) => {
          const hidden = hiddenFor(spec, table, who);
          return read(who, table, columns[table]!.filter((c) => !hidden.includes(c)));
        }),
        'unreadable columns': await gridAsync((who) => {
          const role = roleOf(who);
          const catalogHidden = role === 'service_role' ? []
            : catalogCols(table, (p) => !(role === 'anon' ? p.anon_select : p.auth_select));
          // Probe every column the catalog withholds plus every column the spec says is withheld.
          return unreadable(who, table, [...new Set([...catalogHidden, ...hiddenFor(spec, table, who)])]);
        }),
        INSERT: await gridAsync((who) => write(who, (tx) => tx`INSERT INTO ${tx(table)} ${tx(spec.insert.row(w, tx) as never)}`,
          spec.insert.prepare && ((tx) => spec.insert.prepare!(tx, w)))),
      };
      for (const [name, u] of Object.entries(spec.update)) {
        actual[`UPDATE ${name} of ${u.target}`] = await gridAsync((who) =>
          write(who, (tx) => tx`UPDATE ${tx(table)} SET ${tx(u.set(w, tx) as never)} WHERE ${tx(pk())} = ${target(u.target)}`));
      }
      actual[`DELETE ${spec.delete.target}`] = await gridAsync((who) =>
        write(who, (tx) => tx`DELETE FROM ${tx(table)} WHERE ${tx(pk())} = ${target(spec.delete.target)}`));

      expect(actual).toEqual(expected);
    });
  });
});

// ---------------------------------------------------------------------------------------------------------
// Secrets and owner-only columns
// ---------------------------------------------------------------------------------------------------------
describe('secrets and owner-only columns', () => {
  const selectOne = (who: Who, table: string, column: string, label: string) =>
    attempt(who, (tx) => tx`SELECT ${tx(column)} FROM ${tx(table)} WHERE ${tx(w.pk[table]!)} = ${w.id(table, label)}`)
      .then((r) => (r.ok ? (r.value.length ? 'readable' : 'row hidden') : describeError(r.error)));

  it('users.email is unreadable (42501) by anon, by another user, by the admin — and by the owner too (column grant)', async () => {
    const got = { anon: await selectOne('anon', 'users', 'email', 'A'), other: await selectOne('other', 'users', 'email', 'A'),
      admin: await selectOne('admin', 'users', 'email', 'A'), owner: await selectOne('owner', 'users', 'email', 'A'),
      service: await selectOne('service', 'users', 'email', 'A') };
    expect(got).toEqual({ anon: 'denied', other: 'denied', admin: 'denied', owner: 'denied', service: 'readable' });
  });

  it('vault_secret_name is unreadable by authenticated (owner, other user, admin) and anon in every table that has it', async () => {
    const tables = Object.keys(columns).filter((t) => columns[t]!.includes('vault_secret_name'));
    expect(tables.length).toBeGreaterThan(0);
    const got = Object.fromEntries(await Promise.all(tables.map(async (t) =>
      [t, [await selectOne('anon', t, 'vault_secret_name', 'A'), await selectOne('owner', t, 'vault_secret_name', 'A'),
        await selectOne('other', t, 'vault_secret_name', 'A'), await selectOne('admin', t, 'vault_secret_name', 'A')]] as const)));
    expect(got).toEqual(Object.fromEntries(tables.map((t) => [t, ['denied', 'denied', 'denied', 'denied']])));
  });

  it('no column named like a secret (email, *secret*, *password*, *_token, visitor_hash, Stripe customer/subscription ids) is granted to anon or authenticated on a table another user can see', () => {
    const secret = /^(email|.*secret.*|.*password.*|.*_token|visitor_hash|stripe_(customer|subscription)_id)$/;
    // subscription's Stripe ids are readable by their owner only (RLS: own rows + admin), which is intended.
    const ownerOnlyTables = new Set(Object.keys(TABLES).filter((t) => TABLES[t]!.select.other !== 'denied'
      && (TABLES[t]!.select.other as readonly string[]).every((l) => l !== 'A')));
    const leaks = columnPrivileges.filter((p) => secret.test(p.column)
      && (p.anon_select || (p.auth_select && !ownerOnlyTables.has(p.table)))).map((p) => `${p.table}.${p.column}`);
    expect(leaks).toEqual([]);
  });

  // A column grant holds for every row the role can see, and every signed-in user sees A's public row: owner-only
  // columns are therefore granted to no signed-in caller at all (the owner reads them through service-side routes).
  it.each(OWNER_ONLY_COLUMNS)('%s: owner-only columns of A’s public row are not readable by another user (B), nor through the owner’s grant', async (table, row, cols) => {
    const got: Record<string, string> = {};
    const want: Record<string, string> = {};
    for (const c of cols) {
      got[`${c} as owner`] = await selectOne('owner', table, c, row);
      got[`${c} as other`] = await selectOne('other', table, c, row);
      want[`${c} as owner`] = 'denied';
      want[`${c} as other`] = 'denied';
    }
    expect(got).toEqual(want);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Visibility probes the issue names explicitly (all also covered by the matrix)
// ---------------------------------------------------------------------------------------------------------
describe('visibility', () => {
  const PROBES: [who: Who, what: string, table: string, row: string, expected: 'visible' | 'hidden' | 'denied'][] = [
    ['other', 'A’s private content item', 'content_item', 'A_private', 'hidden'],
    ['other', 'A’s deleted content item', 'content_item', 'A_deleted', 'hidden'],
    ['other', 'A’s platform_connection', 'platform_connection', 'A', 'hidden'],
    ['other', 'A’s notification', 'notification', 'A', 'hidden'],
    ['other', 'A’s ai_usage', 'ai_usage', 'A', 'hidden'],
    ['other', 'A’s subscription', 'subscription', 'A', 'hidden'],
    ['other', 'A’s seo_connection', 'seo_connection', 'A', 'hidden'],
    ['other', 'A’s user_ai_setting', 'user_ai_setting', 'A', 'hidden'],
    ['other', 'the private user C’s profile', 'users', 'C', 'hidden'],
    ['anon', 'the private user C’s profile', 'users', 'C', 'hidden'],
    ['anon', 'the private user C’s public content item', 'content_item', 'C', 'hidden'],
    ['anon', 'the private user C’s social account', 'social_account', 'C', 'hidden'],
    ['anon', 'A’s deleted content item', 'content_item', 'A_deleted', 'hidden'],
    ['anon', 'A’s deleted social account', 'social_account', 'A_deleted', 'hidden'],
    ['anon', 'A’s public content item', 'content_item', 'A', 'visible'],
    ['anon', 'A’s notification', 'notification', 'A', 'denied'],
    ['anon', 'A’s platform_connection', 'platform_connection', 'A', 'denied'],
    ['owner', 'their own private content item', 'content_item', 'A_private', 'visible'],
    ['owner', 'their own platform_connection', 'platform_connection', 'A', 'visible'],
    ['admin', 'the private user C’s profile', 'users', 'C', 'visible'],
    ['admin', 'A’s private content item', 'content_item', 'A_private', 'visible'],
    ['admin', 'A’s platform_connection', 'platform_connection', 'A', 'visible'],
    ['admin', 'A’s subscription', 'subscription', 'A', 'visible'],
    ['admin', 'A’s ai_usage', 'ai_usage', 'A', 'visible'],
    ['admin', 'A’s audit_log', 'audit_log', 'A', 'visible'],
    ['admin', 'A’s notification (own-only by policy)', 'notification', 'A', 'hidden'],
    ['admin', 'A’s user_setting (own-only by policy)', 'user_setting', 'A', 'hidden'],
  ];
  it.each(PROBES)('%s reading %s → %s', async (who, _what, table, row, expected) => {
    const r = await attempt(who, (tx) => tx`SELECT 1 FROM ${tx(table)} WHERE ${tx(w.pk[table]!)} = ${w.id(table, row)}`);
    expect(r.ok ? (r.value.length ? 'visible' : 'hidden') : describeError(r.error)).toBe(expected);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Escalation attempts (issue point c): each must fail, and fail the way it says
// ---------------------------------------------------------------------------------------------------------
describe('escalation attempts', () => {
  type Attempt = [who: Who, what: string, run: (tx: Sql) => PendingQuery<PgRow[]>, expected: Write, prepare?: (tx: Sql) => PendingQuery<PgRow[]>];
  const ATTEMPTS: () => Attempt[] = () => {
    const A = w.users.A;
    const tier = w.lookup.subscription_tier!;
    const status = w.lookup.subscription_status!;
    const usedColumns = columns.subscription!.filter((c) => c.endsWith('_used'));
    return [
      ['owner', 'raise own tier to premium', (tx) => tx`UPDATE subscription SET tier_id = ${tier.premium!} WHERE user_id = ${A}`, 'denied'],
      ['owner', 'make own subscription entitled (status → active)', (tx) => tx`UPDATE subscription SET status_id = ${status.active!} WHERE user_id = ${A}`, 'denied'],
      ...usedColumns.map((c): Attempt => ['owner', `reset own usage (subscription.${c} = 0)`, (tx) => tx`UPDATE subscription SET ${tx(c)} = 0 WHERE user_id = ${A}`, 'denied']),
      ['owner', 'insert a premium subscription for themselves', (tx) => tx`INSERT INTO subscription (user_id, tier_id, status_id) VALUES (${A}, ${tier.premium!}, ${status.active!})`,
        'denied', (tx) => tx`DELETE FROM subscription WHERE user_id = ${A}`],
      ['owner', 'verify themselves (users.is_verified)', (tx) => tx`UPDATE users SET is_verified = true WHERE id = ${A}`, 'denied'],
      ...['total_followers', 'total_content', 'total_views'].map((c): Attempt =>
        ['owner', `inflate users.${c}`, (tx) => tx`UPDATE users SET ${tx(c)} = 1000000 WHERE id = ${A}`, 'denied']),
      ['owner', 'inflate social_account.follower_count', (tx) => tx`UPDATE social_account SET follower_count = 1000000 WHERE user_id = ${A}`, 'denied'],
      ['owner', 'inflate content_item.views_count', (tx) => tx`UPDATE content_item SET views_count = 1000000 WHERE user_id = ${A}`, 'denied'],
      ['owner', 'inflate content_item.total_clicks', (tx) => tx`UPDATE content_item SET total_clicks = 1000000 WHERE user_id = ${A}`, 'denied'],
      ['owner', 'insert a content_click', (tx) => tx`INSERT INTO content_click (content_id, visitor_hash) VALUES (${w.id('content_item', 'A')}, 'self-click-0123456789')`, 'denied'],
      ['owner', 'grant themselves admin (INSERT user_role)', (tx) => tx`INSERT INTO user_role (user_id, role) VALUES (${A}, 'admin')`, 'denied'],
      ['owner', 'promote own role row to admin', (tx) => tx`UPDATE user_role SET role = 'admin' WHERE user_id = ${A}`, 'denied'],
      ['owner', 'verify own SEO connection', (tx) => tx`UPDATE seo_connection SET is_verified = true WHERE user_id = ${A}`, 'denied'],
      ['owner', 'erase own AI cost (DELETE ai_usage)', (tx) => tx`DELETE FROM ai_usage WHERE user_id = ${A}`, 'denied'],
      ['owner', 'move own content to another user (content_item.user_id)', (tx) => tx`UPDATE content_item SET user_id = ${w.users.B} WHERE user_id = ${A}`, 'denied'],
      ['owner', 'write an AI tag on own item (source = ai_generated)', (tx) => tx`INSERT INTO content_tag (content_id, tag, source) VALUES (${w.id('content_item', 'A')}, 'x', 'ai_generated')`, 'denied'],
      ['other', 'tag A’s item', (tx) => tx`INSERT INTO content_tag (content_id, tag) VALUES (${w.id('content_item', 'A')}, 'spam')`, 'rls'],
      ['other', 'create AI settings for A', (tx) => tx`INSERT INTO user_ai_setting (user_id, custom_instructions) VALUES (${A}, 'inject')`, 'rls',
        (tx) => tx`DELETE FROM user_ai_setting WHERE user_id = ${A}`],
      ['other', 'edit A’s content item', (tx) => tx`UPDATE content_item SET title = 'pwned' WHERE user_id = ${A}`, 'filtered'],
      ['other', 'take over A’s profile', (tx) => tx`UPDATE users SET display_name = 'pwned' WHERE id = ${A}`, 'filtered'],
      ['admin', 'edit A’s content item (admins read, never write)', (tx) => tx`UPDATE content_item SET title = 'moderated' WHERE user_id = ${A}`, 'filtered'],
      // 006: users never write jobs; creation goes through the API (service_role), cancellation through cancel_my_job
      ['owner', 'insert an already-completed job for themselves', (tx) => tx`INSERT INTO job_queue (user_id, job_type, job_type_id, status, completed_at)
        VALUES (${A}, 'ai_bulk_tag', ${w.lookup.job_type!.ai_analysis!}, 'completed', now())`, 'denied'],
      ['owner', 'mark own job completed (UPDATE job_queue.status)', (tx) => tx`UPDATE job_queue SET status = 'completed', completed_at = now() WHERE user_id = ${A}`, 'denied'],
      ['owner', 'jump the queue (UPDATE job_queue.priority)', (tx) => tx`UPDATE job_queue SET priority = 10 WHERE user_id = ${A}`, 'denied'],
      ['owner', 'grant own job more retries (UPDATE job_queue.max_retries)', (tx) => tx`UPDATE job_queue SET max_retries = 20 WHERE user_id = ${A}`, 'denied'],
      ['owner', 'delete own job (and its quota trail)', (tx) => tx`DELETE FROM job_queue WHERE user_id = ${A}`, 'denied'],
      ['owner', 'write to own job’s log', (tx) => tx`INSERT INTO job_log (job_id, message) VALUES (${w.id('job_queue', 'A')}, 'forged')`, 'denied'],
      ['owner', 'read Stripe webhook events', (tx) => tx`SELECT 1 FROM stripe_webhook_events`, 'denied'],
      ['owner', 'log a forged Stripe event', (tx) => tx`INSERT INTO stripe_webhook_events (stripe_event_id, event_type, payload) VALUES ('evt_forged', 'invoice.paid', '{}')`, 'denied'],
    ];
  };
  // Function calls the issue names: executed as A, each must be refused by EXECUTE privilege.
  const CALLS: [what: string, text: (w: World) => [string, unknown[]]][] = [
    ['increment_content_clicks on own item', sql('SELECT public.increment_content_clicks($1)', itemA)],
    ['track_content_click on own item', sql(`SELECT public.track_content_click($1, 'self-visitor-0123456789abcdef')`, itemA)],
    ['increment_quota (own id)', sql(`SELECT public.increment_quota($1, 'sync', 1)`, A)],
    ['decrement_quota (own id, give back AI usage)', sql(`SELECT public.decrement_quota($1, 'ai_analysis', 40)`, A)],
    ['update_total_followers (own id)', sql('SELECT public.update_total_followers($1)', A)],
    ['reset_expired_quotas', sql('SELECT public.reset_expired_quotas()')],
    ['refresh_trending_content', sql('SELECT public.refresh_trending_content(100)')],
    ['start_job on own job', sql(`SELECT public.start_job($1, 'me')`, jobA)],
    ['complete_job on own job', sql(`SELECT public.complete_job($1, '{"tags": ["free"]}')`, jobA)],
    ['start_jobs on own job', sql(`SELECT * FROM public.start_jobs(ARRAY[$1]::uuid[], 'me')`, jobA)],
    ['complete_jobs on own job', sql(`SELECT public.complete_jobs(jsonb_build_object($1::text, '{"tags": ["free"]}'::jsonb))`, jobA)],
    ['fail_job on own job (to be retried)', sql(`SELECT public.fail_job($1, 'x')`, jobA)],
    ['update_job_progress on own job', sql('SELECT public.update_job_progress($1, 100)', jobA)],
    ['create_job for themselves (bypassing the API’s quota check)', sql(`SELECT public.create_job($1, 'ai_bulk_tag')`, A)],
    ['find_or_create_job for another user', sql(`SELECT * FROM public.find_or_create_job($1, 'sync_youtube')`, (w) => w.users.B)],
    ['get_user_jobs of another user', sql('SELECT * FROM public.get_user_jobs($1)', (w) => w.users.B)],
    ['cancel_job on another user’s job', sql('SELECT public.cancel_job($1)', (w) => w.id('job_queue', 'B'))],
    ['mark_webhook_processed', sql(`SELECT public.mark_webhook_processed('evt_fixture_1')`)],
    ['cache_stripe_data (poison the price cache)', sql(`SELECT public.cache_stripe_data('stripe:price:premium', '{"unit_amount": 0}')`)],
  ];

  it('covers every escalation the issue lists', () => {
    expect(ATTEMPTS().length + CALLS.length).toBeGreaterThanOrEqual(45);
  });

  it('cancel_my_job: A cancels only their own active job; B and the admin get false and the job stays pending; anon is refused', async () => {
    const cancel = (who: Who) => attempt(who, async (tx) => {
      const [r] = await tx`SELECT public.cancel_my_job(${w.id('job_queue', 'A')}) AS cancelled`;
      await tx`SELECT set_config('role', 'service_role', true)`;
      const [job] = await tx`SELECT status FROM job_queue WHERE id = ${w.id('job_queue', 'A')}`;
      return `${r!.cancelled} (${job!.status})`;
    }).then((r) => (r.ok ? r.value : describeError(r.error)));
    expect({ anon: await cancel('anon'), owner: await cancel('owner'), other: await cancel('other'), admin: await cancel('admin') })
      .toEqual({ anon: 'denied', owner: 'true (cancelled)', other: 'false (pending)', admin: 'false (pending)' });
  });

  it('each attempt fails exactly as expected', async () => {
    const got: Record<string, string> = {};
    const want: Record<string, string> = {};
    for (const [who, what, run, expected, prepare] of ATTEMPTS()) {
      const key = `${who}: ${what}`;
      got[key] = await write(who, run, prepare);
      want[key] = expected;
    }
    for (const [what, call] of CALLS) {
      const [text, params] = call(w);
      const r = await attempt('owner', (tx) => tx.unsafe(text, params as never[]));
      got[`owner: call ${what}`] = r.ok ? 'ok' : describeError(r.error);
      want[`owner: call ${what}`] = 'denied';
    }
    expect(got).toEqual(want);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Functions
// ---------------------------------------------------------------------------------------------------------
describe('functions × callers', () => {
  interface Fn { signature: string; definer: boolean; config: string[] | null; owner: string; arg_names: string[] | null;
    arg_types: string; public_exec: boolean; anon: boolean; authenticated: boolean; service_role: boolean }
  let fns: Fn[];
  beforeAll(async () => {
    fns = await db.owner<Fn[]>`
      SELECT format('%s.%s(%s)', n.nspname, p.proname, oidvectortypes(p.proargtypes)) AS signature, p.prosecdef AS definer,
             p.proconfig AS config, pg_get_userbyid(p.proowner) AS owner,
             ARRAY(SELECT a.name FROM unnest(coalesce(p.proargnames, '{}'), coalesce(p.proargmodes, array_fill('i'::"char", ARRAY[coalesce(cardinality(p.proargnames), 0)]))) a(name, mode)
                   WHERE a.mode IN ('i', 'b', 'v')) AS arg_names,
             oidvectortypes(p.proargtypes) AS arg_types,
             EXISTS (SELECT 1 FROM aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE') AS public_exec,
             has_function_privilege('anon', p.oid, 'EXECUTE') AS anon,
             has_function_privilege('authenticated', p.oid, 'EXECUTE') AS authenticated,
             has_function_privilege('service_role', p.oid, 'EXECUTE') AS service_role
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'extensions') AND n.nspname NOT LIKE 'pg\\_%'
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
      ORDER BY 1`;
  });

  it('has an expectation entry for every function in public, auth (and any other non-extension schema)', () => {
    const sigs = fns.map((f) => f.signature);
    expect({ missing: sigs.filter((s) => !FUNCTIONS[s]), stale: Object.keys(FUNCTIONS).filter((s) => !sigs.includes(s)) })
      .toEqual({ missing: [], stale: [] });
  });

  it('grants EXECUTE exactly as listed, and each call succeeds or raises 42501 accordingly', async () => {
    const expected: Record<string, unknown> = {};
    const actual: Record<string, unknown> = {};
    for (const f of fns) {
      const spec = FUNCTIONS[f.signature];
      if (!spec) continue;
      expected[f.signature] = {
        'security definer': spec.definer ?? false,
        EXECUTE: [...spec.exec].sort(),
        'call as anon': spec.exec.includes('anon') ? 'ok' : 'denied',
        'call as A (authenticated)': spec.exec.includes('authenticated') ? 'ok' : 'denied',
        'call as service_role': spec.exec.includes('service_role') ? 'ok' : 'denied',
      };
      const [text, params] = spec.call(w);
      const call = async (who: Who) => {
        const r = await attempt(who, (tx) => tx.unsafe(text, params as never[]));
        return r.ok ? 'ok' : describeError(r.error);
      };
      actual[f.signature] = {
        'security definer': f.definer,
        EXECUTE: API_ROLES.filter((r) => f[r]),
        'call as anon': await call('anon'),
        'call as A (authenticated)': await call('owner'),
        'call as service_role': await call('service'),
      };
    }
    expect(actual).toEqual(expected);
  });

  it('no SECURITY DEFINER function is executable by PUBLIC or anon unless listed as intended-public with a reason', () => {
    const open = fns.filter((f) => f.definer && (f.public_exec || f.anon) && !FUNCTIONS[f.signature]?.intendedPublic);
    expect(open.map((f) => f.signature)).toEqual([]);
  });

  it('no function at all is executable by PUBLIC (grants are explicit, role by role)', () => {
    expect(fns.filter((f) => f.public_exec && !FUNCTIONS[f.signature]?.intendedPublic).map((f) => f.signature)).toEqual([]);
  });

  it('every function pins search_path = \'\' in proconfig', () => {
    expect(fns.filter((f) => !(f.config ?? []).includes('search_path=""')).map((f) => f.signature)).toEqual([]);
  });

  it('every SECURITY DEFINER function is owned by streamvibe_definer (a member of service_role, nothing more)', () => {
    expect(fns.filter((f) => f.definer && f.owner !== 'streamvibe_definer').map((f) => `${f.signature} owned by ${f.owner}`)).toEqual([]);
  });

  it('no function executable by authenticated (or anon) takes a parameter that names a user', () => {
    const userParam = /user/i;
    const bad = fns.filter((f) => (f.authenticated || f.anon) && (f.arg_names ?? []).some((n) => userParam.test(n)))
      .map((f) => `${f.signature}: ${(f.arg_names ?? []).filter((n) => userParam.test(n)).join(', ')}`);
    expect(bad).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Findings outside access control that the matrix ran into
// ---------------------------------------------------------------------------------------------------------
describe('schema defects found while building the world', () => {
  it('every regex CHECK constraint in public compiles (PostgreSQL caps {m,n} at 255; otherwise every INSERT fails)', () => {
    expect(brokenChecks.map((c) => `${c.name}: ${c.def}`)).toEqual([]);
  });

  it('service_role can delete a creator who has content (cascade through social_account → content_item)', async () => {
    expect(await write('service', (tx) => tx`DELETE FROM users WHERE id = ${w.users.A}`)).toBe('ok');
  });
});
