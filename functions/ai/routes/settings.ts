import * as z from 'zod/mini';
import { asUser, db } from '../../_shared/db.ts';
import { BadRequestError } from '../../_shared/errors.ts';
import { defineRoute } from '../../_shared/route.ts';
import type { Claims } from '../../../db/roles.ts';
import { ACTION_MODES, TONES, tags } from './common.ts';

export const AiSettings = () => z.object({
  preferred_model: z.nullable(z.string()).check(z.describe('ai_model slug; null: the default model')),
  model_in_use: z.string(),
  action_mode: z.enum(ACTION_MODES), tone: z.enum(TONES), target_language: z.string(), max_tags: z.number(),
  custom_instructions: z.nullable(z.string()),
  models: z.array(z.object({ slug: z.string(), provider: z.string(), display_name: z.string(), is_default: z.boolean(),
    input_cost_per_1k_tokens: z.number(), output_cost_per_1k_tokens: z.number() })),
});
export const AiSettingsPatch = () => z.partial(z.strictObject({
  preferred_model: z.nullable(z.string().check(z.maxLength(100))),
  action_mode: z.enum(ACTION_MODES),
  tone: z.enum(TONES),
  target_language: z.string().check(z.regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'must be a language tag such as en or pt-BR')),
  max_tags: z.number().check(z.int(), z.gte(1), z.lte(50)),
  custom_instructions: z.nullable(z.string().check(z.maxLength(2000))),
})).check(z.refine((body) => Object.keys(body).length > 0, 'Send at least one setting to change'));

async function readSettings(claims: Claims) {
  return asUser(db(), claims, async (tx) => {
    const [settings] = await tx`
      SELECT pm.slug AS preferred_model, coalesce(pm.slug, dm.slug) AS model_in_use, coalesce(s.action_mode, 'manual') AS action_mode,
             coalesce(s.tone, 'neutral') AS tone, coalesce(s.target_language, 'en') AS target_language, coalesce(s.max_tags, 15) AS max_tags,
             s.custom_instructions
      FROM (SELECT 1) one
      LEFT JOIN user_ai_setting s ON s.user_id = ${claims.sub}
      LEFT JOIN ai_model pm ON pm.id = s.preferred_model_id
      LEFT JOIN ai_model dm ON dm.is_default`;
    const models = await tx`
      SELECT m.slug, p.slug AS provider, m.display_name, m.is_default, m.input_cost_per_1k_tokens::float8 AS input_cost_per_1k_tokens,
             m.output_cost_per_1k_tokens::float8 AS output_cost_per_1k_tokens
      FROM ai_model m JOIN ai_provider p ON p.id = m.provider_id WHERE m.is_active AND p.is_active ORDER BY p.sort_order, m.slug`;
    return { ...settings!, models: [...models] };
  });
}

export const getSettingsRoute = defineRoute({
  method: 'GET', path: '/ai-settings', auth: 'user', tags, response: AiSettings,
  summary: 'The caller’s AI settings (model, apply mode, tone, language, tag count, instructions) and the models to choose from',
}, ({ claims }) => readSettings(claims));

export const patchSettingsRoute = defineRoute({
  method: 'PATCH', path: '/ai-settings', auth: 'user', tags, operationId: 'ai-settings-update', body: AiSettingsPatch, response: AiSettings,
  summary: 'Change the caller’s AI settings',
}, async ({ claims, body }) => {
  await asUser(db(), claims, async (tx) => {
    let modelId: string | null | undefined;
    if (body.preferred_model !== undefined) {
      if (body.preferred_model === null) modelId = null;
      else {
        const [model] = await tx`SELECT id FROM ai_model WHERE slug = ${body.preferred_model} AND is_active`;
        if (!model) throw new BadRequestError('Invalid request body', [{ path: 'preferred_model', message: 'Unknown model' }]);
        modelId = model.id;
      }
    }
    const set = <T>(value: T | undefined) => value === undefined ? null : value;
    await tx`
      INSERT INTO user_ai_setting (user_id, preferred_model_id, action_mode, tone, target_language, max_tags, custom_instructions)
      VALUES (${claims.sub}, ${modelId ?? null}, ${body.action_mode ?? 'manual'}, ${body.tone ?? 'neutral'}, ${body.target_language ?? 'en'},
              ${body.max_tags ?? 15}, ${set(body.custom_instructions)})
      ON CONFLICT (user_id) DO UPDATE SET
        preferred_model_id = CASE WHEN ${modelId !== undefined} THEN EXCLUDED.preferred_model_id ELSE user_ai_setting.preferred_model_id END,
        action_mode = coalesce(${set(body.action_mode)}::action_mode_enum, user_ai_setting.action_mode),
        tone = coalesce(${set(body.tone)}, user_ai_setting.tone),
        target_language = coalesce(${set(body.target_language)}, user_ai_setting.target_language),
        max_tags = coalesce(${set(body.max_tags)}::integer, user_ai_setting.max_tags),
        custom_instructions = CASE WHEN ${body.custom_instructions !== undefined} THEN EXCLUDED.custom_instructions ELSE user_ai_setting.custom_instructions END`;
  });
  return readSettings(claims);
});
