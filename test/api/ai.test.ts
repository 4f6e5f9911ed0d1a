import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService } from '../../db/context.ts';
import { startTestApi, type TestApi, waitFor } from '../api.ts';

let api: TestApi;
beforeAll(async () => { api = await startTestApi('api_ai'); });
afterAll(async () => { await api?.stop(); });

const service = <T>(work: Parameters<typeof asService<T>>[1]) => asService(api.db.app, work);
const job = async (id: string) => (await service((tx) => tx`SELECT * FROM job_queue WHERE id = ${id}`))[0]!;
const settled = (id: string) => waitFor(async () => {
  const row = await job(id);
  return (row.status === 'completed' || row.status === 'cancelled' || (row.status === 'failed' && row.next_retry_at === null)) && row;
}, 60_000);

const TEXTS = [
  { title: 'Speedrunning Celeste: every dash explained', description: 'A full any% speedrun of Celeste with commentary on dash tech, wavedashing and routing for beginners. Practice tips for chapter 7.' },
  { title: 'Street food tour in Bangkok', description: 'We eat pad thai, mango sticky rice and boat noodles across Bangkok night markets, with prices and where to find each stall.' },
  { title: 'Piano cover: Clair de Lune', description: 'My piano cover of Debussy Clair de Lune, recorded live in one take on an upright piano. Sheet music and fingering notes below.' },
];

/** A creator with one account and `count` items (in SQL, as a sync would write them). */
async function creator(count = 3, tier: 'free' | 'basic' | 'premium' = 'premium') {
  const user = await api.signUp();
  if (tier !== 'free') {
    await api.db.owner`INSERT INTO subscription (user_id, tier_id, status_id) SELECT ${user.userId}, t.id, s.id FROM subscription_tier t, subscription_status s
                       WHERE t.slug = ${tier} AND s.slug = 'active'`;
  }
  const [account] = await api.db.owner`
    INSERT INTO social_account (user_id, platform_id, platform_account_id, display_name, status_id)
    SELECT ${user.userId}, p.id, ${`acct-${user.userId}`}, 'Creator', s.id FROM platform p, account_status s WHERE p.slug = 'youtube' AND s.slug = 'active'
    RETURNING id, platform_id`;
  const items = await api.db.owner`
    INSERT INTO content_item (social_account_id, user_id, platform_id, content_type_id, platform_content_id, title, description, category_code)
    SELECT ${account!.id}, ${user.userId}, ${account!.platform_id}, (SELECT id FROM content_type WHERE slug = 'long_video'), 'v' || i,
           (${TEXTS.map((t) => t.title)}::text[])[1 + (i % 3)], (${TEXTS.map((t) => t.description)}::text[])[1 + (i % 3)], 'gaming'
    FROM generate_series(0, ${count - 1}) i RETURNING id`;
  return { ...user, itemIds: items.map((i) => i.id as string) };
}

async function generate(user: { token: string }, contentItemId: string, body: Record<string, unknown> = {}) {
  const res = await api.request('POST', '/ai-generate-tags', { token: user.token, body: { content_item_id: contentItemId, ...body } });
  expect(res.status, res.text).toBe(202);
  return res.body as { job_id: string; created: boolean; suggestion_id: string | null };
}

describe('AI suggestions with the offline engine (no provider key configured)', () => {
  it('suggests titles, tags and a description from the item’s own words, scored, at no cost', async () => {
    const user = await creator(3);
    const first = await generate(user, user.itemIds[0]!);
    expect(first.created).toBe(true);
    const done = await settled(first.job_id);
    expect(done.status, done.error_message).toBe('completed');
    expect(done.result).toMatchObject({ engine: 'offline' });
    const list = await api.request('GET', `/ai-suggestions?content_item_id=${user.itemIds[0]}`, { token: user.token });
    expect(list.status).toBe(200);
    const [suggestion] = list.body.items;
    expect(suggestion.titles.length).toBeGreaterThanOrEqual(3);
    expect(suggestion.titles.length).toBeLessThanOrEqual(5);
    expect(suggestion.tags.length).toBeGreaterThan(0);
    expect(suggestion.tags.length).toBeLessThanOrEqual(15);
    expect(`${suggestion.titles.join(' ')} ${suggestion.tags.join(' ')}`.toLowerCase()).toMatch(/celeste|speedrun|dash/);
    expect(suggestion.seo.score).toBeGreaterThanOrEqual(0);
    expect(suggestion.seo.reasons.length).toBeGreaterThan(0);
    expect(suggestion).toMatchObject({ model: 'streamvibe-offline', cost_cents: 0, status: 'pending' });
    const usage = await service((tx) => tx`SELECT cost_cents::float8 AS cost, prompt_tokens, success FROM ai_usage WHERE suggestion_id = ${suggestion.id}`);
    expect(usage).toEqual([{ cost: 0, prompt_tokens: 0, success: true }]);

    // The same item again: the waiting suggestion, no new job, no quota; regenerate makes a new one, the same (deterministic).
    const again = await generate(user, user.itemIds[0]!);
    expect(again).toMatchObject({ created: false, suggestion_id: suggestion.id });
    const regenerated = await settled((await generate(user, user.itemIds[0]!, { regenerate: true })).job_id);
    expect(regenerated.status).toBe('completed');
    const both = (await api.request('GET', `/ai-suggestions?content_item_id=${user.itemIds[0]}`, { token: user.token })).body.items;
    expect(both).toHaveLength(2);
    expect(both[0].titles).toEqual(both[1].titles);
    expect(both[0].tags).toEqual(both[1].tags);
    const [quota] = await service((tx) => tx`SELECT ai_analyses_used FROM subscription WHERE user_id = ${user.userId}`);
    expect(quota!.ai_analyses_used).toBe(2);
  });

  it('applies a suggestion in one transaction: the item, its AI tags, a revision with the previous text, the suggestion marked', async () => {
    const user = await creator(1);
    const itemId = user.itemIds[0]!;
    await api.db.owner`INSERT INTO content_tag (content_id, tag, source) VALUES (${itemId}, 'old-ai-tag', 'ai_generated'), (${itemId}, 'mine', 'user')`;
    await settled((await generate(user, itemId)).job_id);
    const [suggestion] = (await api.request('GET', `/ai-suggestions?content_item_id=${itemId}`, { token: user.token })).body.items;
    const [before] = await service((tx) => tx`SELECT title, description FROM content_item WHERE id = ${itemId}`);

    const partial = await api.request('POST', '/ai-apply-suggestion', { token: user.token, body: { suggestion_id: suggestion.id, title: suggestion.titles[1], tags: suggestion.tags.slice(0, 2) } });
    expect(partial.status, partial.text).toBe(200);
    expect(partial.body).toMatchObject({ content_item_id: itemId, status: 'partially_applied', applied: ['title', 'tags'] });
    const [item] = await service((tx) => tx`SELECT title, description FROM content_item WHERE id = ${itemId}`);
    expect(item).toEqual({ title: suggestion.titles[1], description: before!.description });
    const tags = await service((tx) => tx`SELECT tag, source FROM content_tag WHERE content_id = ${itemId} ORDER BY source, tag`);
    expect(tags).toEqual([...suggestion.tags.slice(0, 2).sort().map((tag: string) => ({ tag, source: 'ai_generated' })), { tag: 'mine', source: 'user' }]);
    const revisions = await service((tx) => tx`SELECT title, change_source, changed_by FROM content_revision WHERE content_item_id = ${itemId}`);
    expect(revisions).toEqual([{ title: before!.title, change_source: 'user', changed_by: user.userId }]);
    const applications = await service((tx) => tx`SELECT field, previous_value, applied_mode FROM ai_suggestion_application WHERE suggestion_id = ${suggestion.id} ORDER BY field`);
    expect(applications).toEqual([
      { field: 'tags', previous_value: ['old-ai-tag'], applied_mode: 'approve' },
      { field: 'title', previous_value: before!.title, applied_mode: 'approve' },
    ]);

    const rest = await api.request('POST', '/ai-apply-suggestion', { token: user.token, body: { suggestion_id: suggestion.id } });
    expect(rest.body.status).toBe('applied');
    expect((await api.request('POST', '/ai-apply-suggestion', { token: user.token, body: { suggestion_id: suggestion.id } })).status).toBe(409);
    // Not a suggested title → 400; someone else's suggestion → 404.
    const other = await creator(1);
    expect((await api.request('POST', '/ai-apply-suggestion', { token: other.token, body: { suggestion_id: suggestion.id } })).status).toBe(404);
  });

  it('applies on completion in auto mode', async () => {
    const user = await creator(1);
    const settings = await api.request('PATCH', '/ai-settings', { token: user.token, body: { action_mode: 'auto', max_tags: 5, tone: 'playful' } });
    expect(settings.status, settings.text).toBe(200);
    expect(settings.body).toMatchObject({ action_mode: 'auto', max_tags: 5, tone: 'playful', model_in_use: 'gpt-4o-mini' });
    await settled((await generate(user, user.itemIds[0]!)).job_id);
    const [suggestion] = (await api.request('GET', `/ai-suggestions?content_item_id=${user.itemIds[0]}`, { token: user.token })).body.items;
    expect(suggestion.status).toBe('applied');
    expect(suggestion.tags.length).toBeLessThanOrEqual(5);
    const [item] = await service((tx) => tx`SELECT title FROM content_item WHERE id = ${user.itemIds[0]!}`);
    expect(item!.title).toBe(suggestion.titles[0]);
    const [revision] = await service((tx) => tx`SELECT change_source FROM content_revision WHERE content_item_id = ${user.itemIds[0]!}`);
    expect(revision!.change_source).toBe('system');
  });

  it('bulk-tags many items in one job with progress per item, one analysis each', async () => {
    const user = await creator(12);
    const res = await api.request('POST', '/ai-bulk-tag', { token: user.token, body: { content_item_ids: user.itemIds } });
    expect(res.status, res.text).toBe(202);
    expect(res.body.items).toBe(12);
    const done = await settled(res.body.job_id);
    expect(done.status, done.error_message).toBe('completed');
    expect(done.result).toMatchObject({ items: 12, suggested: 12, skipped: 0 });
    expect(done.progress).toBe(100);
    const [quota] = await service((tx) => tx`SELECT ai_analyses_used FROM subscription WHERE user_id = ${user.userId}`);
    expect(quota!.ai_analyses_used).toBe(12);
    const other = await creator(1);
    const notMine = await api.request('POST', '/ai-bulk-tag', { token: other.token, body: { content_item_ids: [user.itemIds[0], other.itemIds[0]] } });
    expect(notMine.status).toBe(400);
  });

  it('another user’s item is a 404; bad input a 400', async () => {
    const owner = await creator(1);
    const stranger = await creator(1);
    expect((await api.request('POST', '/ai-generate-tags', { token: stranger.token, body: { content_item_id: owner.itemIds[0] } })).status).toBe(404);
    expect((await api.request('POST', '/ai-generate-tags', { token: stranger.token, body: { content_item_id: 'nope' } })).status).toBe(400);
    const list = await api.request('GET', `/ai-suggestions?content_item_id=${owner.itemIds[0]}`, { token: stranger.token });
    expect(list.body.items).toEqual([]);
    expect((await api.request('PATCH', '/ai-settings', { token: stranger.token, body: { preferred_model: 'gpt-99' } })).status).toBe(400);
  });
});

describe('the ai_analysis quota', () => {
  it('200 concurrent requests at a limit of 25: exactly 25 jobs; then a 429 with the limit and the reset date', async () => {
    const user = await creator(200, 'basic');
    await api.db.owner`UPDATE subscription_tier SET max_ai_analyses_per_month = 25 WHERE slug = 'basic'`;
    try {
      const answers = await Promise.all(user.itemIds.map((id) => api.request('POST', '/ai-generate-tags', { token: user.token, body: { content_item_id: id } })));
      expect(answers.filter((a) => a.status === 202)).toHaveLength(25);
      const refused = answers.filter((a) => a.status === 429);
      expect(refused).toHaveLength(175);
      expect(refused[0]!.body.error.details).toMatchObject({ quota: 'ai_analysis', tier: 'basic', limit: 25, used: 25 });
      const [jobs] = await service((tx) => tx`SELECT count(*)::int AS n FROM job_queue WHERE user_id = ${user.userId} AND job_type = 'ai_generate_tags'`);
      expect(jobs!.n).toBe(25);
    } finally {
      await api.db.owner`UPDATE subscription_tier SET max_ai_analyses_per_month = 250 WHERE slug = 'basic'`;
    }
  });
});

describe('cost accounting', () => {
  it('prices each call from its model’s per-1k prices, for every seeded model (hand-computed)', async () => {
    const user = await creator(0);
    // cents = (prompt × input per 1k + completion × output per 1k) / 1000 × 100, rounded to 4 places.
    const table: [model: string, prompt: number, completion: number, cents: number][] = [
      ['gpt-4o', 1000, 1000, 1.25], // 0.0025 + 0.01 USD
      ['gpt-4o', 1234, 567, 0.8755], // (1234 × 0.0025 + 567 × 0.01) / 10 = 0.3085 + 0.567
      ['gpt-4o-mini', 1000, 1000, 0.075], // 0.00015 + 0.0006 USD
      ['gpt-4o-mini', 800, 200, 0.024], // 0.012 + 0.012
      ['claude-3-5-sonnet-20241022', 1000, 1000, 1.8], // 0.003 + 0.015
      ['claude-3-5-sonnet-20241022', 2500, 300, 1.2], // 0.75 + 0.45
      ['gemini-1.5-pro', 1000, 1000, 0.625], // 0.00125 + 0.005
      ['gemini-1.5-pro', 3000, 100, 0.425], // 0.375 + 0.05
      ['llama3.2', 5000, 5000, 0],
      ['streamvibe-offline', 10, 10, 0],
    ];
    for (const [model, prompt, completion, cents] of table) {
      const [row] = await service((tx) => tx`
        INSERT INTO ai_usage (user_id, model_id, operation_type, prompt_tokens, completion_tokens, cost_cents)
        SELECT ${user.userId}, id, 'analyze', ${prompt}, ${completion}, NULL FROM ai_model WHERE slug = ${model} RETURNING cost_cents::float8 AS cents`);
      expect(row!.cents, model).toBeCloseTo(cents, 10);
    }
    const admin = await api.signUp({ roles: ['admin'] });
    const costs = await api.request('GET', '/admin-ai-costs?days=1', { token: admin.token });
    expect(costs.status, costs.text).toBe(200);
    const mine = costs.body.rows.filter((r: { user_id: string }) => r.user_id === user.userId);
    expect(mine.reduce((s: number, r: { cost_cents: number }) => s + r.cost_cents, 0)).toBeCloseTo(table.reduce((s, r) => s + r[3], 0), 6);
    expect((await api.request('GET', '/admin-ai-costs', { token: user.token })).status).toBe(403);
  });
});
