import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService } from '../../db/context.ts';
import { AI_SANDBOX_KEYS } from '../../local/sandboxes/ai/index.ts';
import { startTestApi, type TestApi, waitFor } from '../api.ts';

let api: TestApi;
// The providers' keys are the AI sandbox's: the jobs go through the real SDKs to it.
beforeAll(async () => {
  api = await startTestApi('api_ai_providers', { secrets: {
    OPENAI_API_KEY: AI_SANDBOX_KEYS.openai, ANTHROPIC_API_KEY: AI_SANDBOX_KEYS.anthropic, GEMINI_API_KEY: AI_SANDBOX_KEYS.google,
  } });
});
afterAll(async () => { await api?.stop(); });

const service = <T>(work: Parameters<typeof asService<T>>[1]) => asService(api.db.app, work);
const settled = (id: string) => waitFor(async () => {
  const [row] = await service((tx) => tx`SELECT * FROM job_queue WHERE id = ${id}`);
  return (row!.status === 'completed' || (row!.status === 'failed' && row!.next_retry_at === null)) && row!;
}, 60_000);

async function creatorWithItem(model: string) {
  const user = await api.signUp();
  await api.db.owner`INSERT INTO subscription (user_id, tier_id, status_id) SELECT ${user.userId}, t.id, s.id FROM subscription_tier t, subscription_status s
                     WHERE t.slug = 'premium' AND s.slug = 'active'`;
  const [item] = await api.db.owner`
    WITH a AS (
      INSERT INTO social_account (user_id, platform_id, platform_account_id, display_name, status_id)
      SELECT ${user.userId}, p.id, ${`acct-${user.userId}`}, 'Creator', s.id FROM platform p, account_status s WHERE p.slug = 'tiktok' AND s.slug = 'active'
      RETURNING id, platform_id
    )
    INSERT INTO content_item (social_account_id, user_id, platform_id, content_type_id, platform_content_id, title, description, category_code)
    SELECT a.id, ${user.userId}, a.platform_id, (SELECT id FROM content_type WHERE slug = 'short_video'), 'clip-1', 'Latte art for beginners',
           'Three ways to pour a heart, a tulip and a rosetta with oat milk, filmed at home.', 'food'
    FROM a RETURNING id`;
  const settings = await api.request('PATCH', '/ai-settings', { token: user.token, body: { preferred_model: model } });
  expect(settings.status, settings.text).toBe(200);
  expect(settings.body.model_in_use).toBe(model);
  return { ...user, itemId: item!.id as string };
}

async function generate(user: { token: string }, itemId: string) {
  const res = await api.request('POST', '/ai-generate-tags', { token: user.token, body: { content_item_id: itemId } });
  expect(res.status, res.text).toBe(202);
  return settled(res.body.job_id);
}

const usageOf = (userId: string) => service((tx) => tx`
  SELECT u.prompt_tokens, u.completion_tokens, u.cost_cents::float8 AS cost, u.success, u.provider_request_id, u.suggestion_id, u.latency_ms,
         m.input_cost_per_1k_tokens::float8 AS input_price, m.output_cost_per_1k_tokens::float8 AS output_price
  FROM ai_usage u JOIN ai_model m ON m.id = u.model_id WHERE u.user_id = ${userId} ORDER BY u.created_at`);

describe.each([
  ['openai', 'gpt-4o-mini'], ['openai', 'gpt-4o'], ['anthropic', 'claude-3-5-sonnet-20241022'], ['google', 'gemini-1.5-pro'],
] as const)('%s %s through its SDK', (provider, model) => {
  it('answers a validated suggestion; one ai_usage row with the provider’s tokens, request id and cost from the model’s prices', async () => {
    const user = await creatorWithItem(model);
    const calls = api.stack.ai.calls(provider).length;
    const job = await generate(user, user.itemId);
    expect(job.status, job.error_message).toBe('completed');
    expect(job.result).toMatchObject({ engine: model });
    expect(api.stack.ai.calls(provider).length - calls).toBe(1);
    const [suggestion] = (await api.request('GET', `/ai-suggestions?content_item_id=${user.itemId}`, { token: user.token })).body.items;
    expect(suggestion.model).toBe(model);
    expect(suggestion.titles.length).toBeGreaterThanOrEqual(3);
    const [usage] = await usageOf(user.userId);
    expect(usage).toMatchObject({ success: true, suggestion_id: suggestion.id });
    expect(usage!.prompt_tokens).toBeGreaterThan(0);
    expect(usage!.completion_tokens).toBeGreaterThan(0);
    expect(usage!.provider_request_id).toBeTruthy();
    const expected = Math.round((usage!.prompt_tokens * usage!.input_price + usage!.completion_tokens * usage!.output_price) / 10 * 10_000) / 10_000;
    expect(usage!.cost).toBeCloseTo(expected, 10);
    expect(suggestion.cost_cents).toBeCloseTo(expected, 10);
  });
});

describe('an answer that does not fit the schema', () => {
  it('is asked for again once with the validation error (two calls, two usage rows); twice wrong fails the job for good, quota given back', async () => {
    const user = await creatorWithItem('gpt-4o-mini');
    api.stack.ai.inject({ provider: 'openai', kind: 'invalid_answer', times: 1 });
    const fixed = await generate(user, user.itemId);
    expect(fixed.status, fixed.error_message).toBe('completed');
    expect((await usageOf(user.userId)).map((u) => u.prompt_tokens > 0)).toEqual([true, true]);

    const [item2] = await api.db.owner`
      INSERT INTO content_item (social_account_id, user_id, platform_id, content_type_id, platform_content_id, title, description)
      SELECT social_account_id, user_id, platform_id, content_type_id, 'clip-2', 'Second clip', 'Another clip.' FROM content_item WHERE id = ${user.itemId}
      RETURNING id`;
    api.stack.ai.inject({ provider: 'openai', kind: 'invalid_answer', times: 2 });
    const failed = await generate(user, item2!.id as string);
    expect(failed.status).toBe('failed');
    expect(failed.error_message).toMatch(/not usable twice/);
    const usage = await usageOf(user.userId);
    expect(usage).toHaveLength(4);
    expect(usage.slice(2).map((u) => u.success)).toEqual([false, false]);
    const [quota] = await service((tx) => tx`SELECT ai_analyses_used FROM subscription WHERE user_id = ${user.userId}`);
    expect(quota!.ai_analyses_used).toBe(1);
  });
});
