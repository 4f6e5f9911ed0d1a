import type { TransactionSql } from 'postgres';
import * as z from 'zod/mini';
import { logger } from '../_shared/logger.ts';
import { uuid } from '../_shared/schemas.ts';
import { DeferJobError, JobCancelledError, PermanentJobError, type Executor, type JobContext } from '../jobs/executor.ts';
import { aiProviderFor } from './config.ts';
import { lexiconStats, type Corpus } from './corpus.ts';
import { AiProviderError, type AiProvider, type AiProviderName } from './providers/port.ts';
import { generateStructured } from './providers/structured.ts';
import { seoScore, trendingScore } from './seo-score.ts';
import { SuggestionOutput, type SuggestionInput, type TrendingKeyword } from './suggestion.ts';

/** One provider call, as ai_usage records it. */
interface Call {
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
  requestId?: string;
  success: boolean;
  error?: string;
}

interface Target {
  item: { id: string; title: string; description: string; platform: string; contentType: string; category: string | null; platformId: string; tags: string[] };
  settings: { modelId: string; model: string; provider: AiProviderName | 'offline'; maxOutputTokens: number; actionMode: 'manual' | 'approve' | 'auto';
    tone: SuggestionInput['tone']; targetLanguage: string; maxTags: number; customInstructions: string | null };
}

/** The item, its creator's AI settings, and its category's (and platform's) trending keywords, strongest first: one statement. */
async function loadTarget(tx: TransactionSql, userId: string | null, itemId: string): Promise<{ target: Target; trending: TrendingKeyword[] } | undefined> {
  const [row] = await tx`
    SELECT c.id, c.title, c.description, c.category_code, c.platform_id, p.slug AS platform, t.slug AS content_type,
           ARRAY(SELECT tag FROM content_tag WHERE content_id = c.id ORDER BY tag) AS tags,
           m.id AS model_id, m.slug AS model, m.max_output_tokens, ap.slug AS provider,
           coalesce(s.action_mode, 'manual') AS action_mode, coalesce(s.tone, 'neutral') AS tone, coalesce(s.target_language, 'en') AS target_language,
           coalesce(s.max_tags, 15) AS max_tags, s.custom_instructions,
           tr.keywords AS trending_keywords, tr.scores AS trending_scores
    FROM content_item c JOIN platform p ON p.id = c.platform_id JOIN content_type t ON t.id = c.content_type_id
    LEFT JOIN user_ai_setting s ON s.user_id = c.user_id
    JOIN ai_model m ON m.id = coalesce(s.preferred_model_id, (SELECT id FROM ai_model WHERE is_default)) JOIN ai_provider ap ON ap.id = m.provider_id
    CROSS JOIN LATERAL (
      SELECT coalesce(array_agg(k.keyword ORDER BY k.score DESC, k.keyword), '{}') AS keywords,
             coalesce(array_agg(k.score ORDER BY k.score DESC, k.keyword), '{}') AS scores
      FROM (SELECT keyword, max(trend_score)::float8 AS score FROM trending_keyword
            WHERE expires_at > now() AND (category_code = c.category_code OR category_code IS NULL)
              AND (platform_id = c.platform_id OR platform_id IS NULL)
            GROUP BY keyword ORDER BY score DESC, keyword LIMIT 30) k
    ) tr
    WHERE c.id = ${itemId} AND c.user_id = ${userId} AND c.deleted_at IS NULL`;
  if (!row) return undefined;
  return {
    target: {
      item: { id: row.id, title: row.title, description: row.description, platform: row.platform, contentType: row.content_type,
        category: row.category_code, platformId: row.platform_id, tags: row.tags },
      settings: { modelId: row.model_id, model: row.model, provider: row.provider, maxOutputTokens: Math.min(row.max_output_tokens, 2048),
        actionMode: row.action_mode, tone: row.tone, targetLanguage: row.target_language, maxTags: row.max_tags, customInstructions: row.custom_instructions },
    },
    trending: (row.trending_keywords as string[]).map((keyword, i) => ({ keyword, score: (row.trending_scores as number[])[i]! })),
  };
}

const SYSTEM = (input: SuggestionInput) => [
  `You help a creator get their ${input.platform} ${input.contentType.replace('_', ' ')} found: you write better titles, tags and a description for it.`,
  `Write in the language ${input.targetLanguage}, in a ${input.tone} tone. Give 3 to 5 titles of at most 100 characters, up to ${input.maxTags} tags`,
  '(lower case, no #, specific to the content, trending keywords only where they truly fit) and one description of at most 5000 characters.',
  'Use only facts present in the content. Answer with the JSON the schema describes.',
  ...(input.customInstructions ? [`The creator's own instructions: ${input.customInstructions}`] : []),
].join(' ');

const PROMPT = (input: SuggestionInput) => JSON.stringify({
  title: input.title, description: input.description.slice(0, 6000), category: input.category, existing_tags: input.existingTags,
  trending_keywords: input.trending.slice(0, 20).map((t) => t.keyword),
});

/**
 * One item's suggestion: the user's model (or the default), through its provider when the stage has the provider's key,
 * else the offline engine; validated; scored (SEO rubric, trending overlap); written with one ai_usage row per provider
 * call (cost from the model's per-1k prices, filled by the database); applied at once in `auto` mode. Two transactions:
 * every read, then every write: with `progress`, a bulk job's report of this item; without, the completion of its
 * one-item job.
 */
export async function suggestForItem(context: JobContext, itemId: string, operation: 'generate_tags' | 'bulk_tag',
  progress?: Progress): Promise<{ suggestionId: string; engine: string } | undefined> {
  const loaded = await loadItem(context, itemId);
  if (!loaded) return undefined;
  const { target, trending, provider } = loaded;
  const input: SuggestionInput = {
    title: target.item.title, description: target.item.description, platform: target.item.platform, contentType: target.item.contentType,
    category: target.item.category, existingTags: target.item.tags, tone: target.settings.tone, targetLanguage: target.settings.targetLanguage,
    maxTags: target.settings.maxTags, customInstructions: target.settings.customInstructions ?? undefined, trending,
  };
  let output: z.output<ReturnType<typeof SuggestionOutput>>;
  let calls: Call[];
  let modelId = target.settings.modelId;
  if (provider) {
    try {
      const result = await generateStructured(provider, {
        model: target.settings.model, system: SYSTEM(input), prompt: PROMPT(input), schema: suggestionJsonSchema(),
        schemaName: 'content_suggestion', maxOutputTokens: target.settings.maxOutputTokens, temperature: 0.4,
      }, suggestionSchema());
      output = result.output;
      calls = result.calls.map((c) => ({ ...c.usage, latencyMs: c.latencyMs, requestId: c.requestId, success: true }));
    } catch (error) {
      if (!(error instanceof AiProviderError)) throw error;
      await recordFailure(context, target, operation, error);
      throw providerFailure(error);
    }
  } else {
    // The offline engine (retext and its part-of-speech lexicon, 1.7 MB) is loaded on its first use, not at every cold start.
    const { offlineSuggestion } = await import('./offline.ts');
    const started = performance.now();
    output = offlineSuggestion(input, loaded.corpus!);
    calls = [{ promptTokens: 0, completionTokens: 0, latencyMs: Math.round(performance.now() - started), success: true }];
    modelId = await offlineModelId(context);
  }
  output = { ...output, tags: [...new Set(output.tags.map((t) => t.toLowerCase().replace(/^#/, '').trim()).filter(Boolean))].slice(0, target.settings.maxTags) };
  const trend = trendingScore([...output.tags, ...output.titles.join(' ').toLowerCase().split(/\s+/)], trending);
  const seo = seoScore({ title: output.titles[0] ?? '', description: output.description, tags: output.tags, keywords: output.tags, trending });
  const saved = await context.service(async (tx) => {
    // The suggestion, its total cost (the sum of what ai_usage's trigger fills in for each call) and the usage rows: one statement.
    const [row] = await tx`
      WITH c AS MATERIALIZED (
        SELECT * FROM jsonb_to_recordset(${callsJson(tx, calls)})
          AS c(prompt_tokens integer, completion_tokens integer, latency_ms integer, success boolean, error_message text, request_id text)
      ), s AS (
        INSERT INTO ai_suggestion (content_item_id, user_id, model_id, job_id, suggested_titles, suggested_description, suggested_tags,
                                   trending_keywords, trending_score, seo_score, prompt_tokens, completion_tokens, total_cost_cents)
        VALUES (${itemId}, ${context.job.userId}, ${modelId}, ${context.job.id}, ${output.titles}, ${output.description}, ${output.tags},
                ${trend.overlap}, ${trend.score}, ${seo.score}, ${sum(calls, 'promptTokens')}, ${sum(calls, 'completionTokens')},
                (SELECT coalesce(sum(calculate_ai_cost_cents(${modelId}, c.prompt_tokens, c.completion_tokens)), 0) FROM c))
        RETURNING id
      ), usage AS (
        INSERT INTO ai_usage (user_id, model_id, suggestion_id, operation_type, prompt_tokens, completion_tokens, latency_ms, success, error_message, provider_request_id)
        SELECT ${context.job.userId}, ${modelId}, s.id, ${operation}, c.prompt_tokens, c.completion_tokens, c.latency_ms, c.success, c.error_message, c.request_id
        FROM c, s
      )
      SELECT id FROM s`;
    if (target.settings.actionMode === 'auto') {
      await tx`SELECT * FROM apply_ai_suggestion(${row!.id}, ${output.titles[0] ?? null}, ${output.description.length > 0}, ${output.tags}::text[], 'auto')`;
    }
    // The job's progress (a bulk job) or its completion (one item) commits with the item it reports: one commit, not two.
    const running = progress ? await context.progressIn(tx, progress.percent, progress.message)
      : await context.completeIn(tx, { suggestion_id: row!.id, engine: provider ? target.settings.model : 'offline' });
    return { suggestionId: row!.id as string, running };
  });
  if (!saved.running) throw new JobCancelledError(`job ${context.job.id} is no longer running for this worker`);
  return { suggestionId: saved.suggestionId, engine: provider ? target.settings.model : 'offline' };
}

/** A bulk job's progress after an item. */
interface Progress {
  percent: number;
  message: string;
}

/**
 * Everything an item's suggestion reads, in one transaction: the item with its settings and trends (one statement), the
 * provider's adapter (cached with its key: a Secrets Manager read at most every few minutes), and for the offline engine
 * the lexicon's counts of the item's words.
 */
function loadItem(context: JobContext, itemId: string): Promise<{ target: Target; trending: TrendingKeyword[]; provider?: AiProvider; corpus?: Corpus } | undefined> {
  return context.service(async (tx) => {
    const loaded = await loadTarget(tx, context.job.userId, itemId);
    if (!loaded) return undefined;
    const provider = loaded.target.settings.provider === 'offline' ? undefined : await aiProviderFor(loaded.target.settings.provider);
    if (provider) return { ...loaded, provider };
    const words = `${loaded.target.item.title} ${loaded.target.item.description}`.toLowerCase().match(/\p{L}[\p{L}\p{N}'-]{2,}/gu) ?? [];
    return { ...loaded, corpus: await lexiconStats(tx, [...new Set(words)]) };
  });
}

/** The suggestion's schema and its JSON Schema, built once per container (the latter costs ~1 ms of zod work). */
let schemas: { zod: ReturnType<typeof SuggestionOutput>; json: Record<string, unknown> } | undefined;
const suggestionSchema = () => (schemas ??= { zod: SuggestionOutput(), json: z.toJSONSchema(SuggestionOutput()) as Record<string, unknown> }).zod;
const suggestionJsonSchema = () => (suggestionSchema(), schemas!.json);

const sum = (calls: Call[], field: 'promptTokens' | 'completionTokens') => calls.reduce((total, c) => total + c[field], 0);

/** The calls as the jsonb_to_recordset of the usage inserts reads them. */
const callsJson = (tx: TransactionSql, calls: Call[]) => tx.json(calls.map((c) => ({ prompt_tokens: c.promptTokens, completion_tokens: c.completionTokens,
  latency_ms: c.latencyMs, success: c.success, error_message: c.error ?? null, request_id: c.requestId ?? null })) as never);

/** ai_usage rows of calls that produced no suggestion (cost filled by the database from the model's prices). */
async function insertUsage(tx: TransactionSql, userId: string, modelId: string, operation: string, calls: Call[]) {
  if (calls.length === 0) return;
  await tx`
    INSERT INTO ai_usage (user_id, model_id, suggestion_id, operation_type, prompt_tokens, completion_tokens, latency_ms, success, error_message, provider_request_id)
    SELECT ${userId}, ${modelId}, NULL, ${operation}, c.prompt_tokens, c.completion_tokens, c.latency_ms, c.success, c.error_message, c.request_id
    FROM jsonb_to_recordset(${callsJson(tx, calls)})
      AS c(prompt_tokens integer, completion_tokens integer, latency_ms integer, success boolean, error_message text, request_id text)`;
}

/** A failed attempt: each answered call still costs the tokens it reports (an unusable answer is billed); a call without an answer, nothing. */
async function recordFailure(context: JobContext, target: Target, operation: string, error: AiProviderError) {
  const error_ = `${error.kind}: ${error.message}`.slice(0, 500);
  const billed: Call[] = (error.details.billedCalls ?? []).map((c) => ({ ...c.usage, latencyMs: c.latencyMs, requestId: c.requestId, success: false, error: error_ }));
  await context.service((tx) => insertUsage(tx, context.job.userId!, target.settings.modelId, operation, billed.length > 0 ? billed
    : [{ promptTokens: 0, completionTokens: 0, latencyMs: 0, requestId: error.details.requestId, success: false, error: error_ }]));
}

/** What the job does with a provider failure: wait and retry, back off, or fail for good with a message fit for the user. */
function providerFailure(error: AiProviderError): Error {
  if (error.kind === 'invalid_key') {
    // Operators must act (a wrong or revoked key); the user sees a generic message, never the provider's text.
    logger.error('AI provider refused our key', { provider: error.provider, status: error.details.status });
    return new PermanentJobError(`The AI provider (${error.provider}) is not available right now; try another model in your AI settings`);
  }
  if (error.kind === 'rate_limited' && error.details.retryAfterSeconds) {
    return new DeferJobError(`${error.provider} asked us to wait`, new Date(Date.now() + error.details.retryAfterSeconds * 1000));
  }
  if (error.retryable) return error;
  return new PermanentJobError(error.kind === 'invalid_output'
    ? `The model's answer was not usable twice in a row (${error.message}); try again or choose another model`
    : `The AI provider refused the request (${error.kind})`);
}

let offlineModel: string | undefined;
async function offlineModelId(context: JobContext): Promise<string> {
  if (offlineModel) return offlineModel;
  const [row] = await context.service((tx) => tx`SELECT m.id FROM ai_model m JOIN ai_provider p ON p.id = m.provider_id WHERE p.slug = 'offline' LIMIT 1`);
  if (!row) throw new PermanentJobError('the offline engine has no ai_model row (migration 015)');
  return (offlineModel = row.id as string);
}

const OneItem = z.object({ content_item_id: uuid });
const ManyItems = z.object({ content_item_ids: z.array(uuid) });

/** ai_generate_tags: one item's suggestion. */
export const generateTagsExecutor: Executor = async (context) => {
  const params = OneItem.safeParse(context.job.params);
  if (!params.success) throw new PermanentJobError('ai_generate_tags needs { content_item_id: uuid }');
  const result = await suggestForItem(context, params.data.content_item_id, 'generate_tags');
  if (!result) throw new PermanentJobError('The item is not there any more');
  return { suggestion_id: result.suggestionId, engine: result.engine };
};

/**
 * ai_bulk_tag: each item in turn, with progress per item. A retry skips the items this job already did; items deleted
 * meanwhile or whose answer was unusable are counted and their quota units given back; a provider that must be waited
 * for or is down stops the job for its retry.
 */
export const bulkTagExecutor: Executor = async (context) => {
  const params = ManyItems.safeParse(context.job.params);
  if (!params.success) throw new PermanentJobError('ai_bulk_tag needs { content_item_ids: uuid[] }');
  const ids = params.data.content_item_ids;
  const done = new Set((await context.service((tx) => tx`SELECT content_item_id FROM ai_suggestion WHERE job_id = ${context.job.id}`))
    .map((r) => r.content_item_id as string));
  let suggested = done.size;
  let skipped = 0;
  for (const [index, id] of ids.entries()) {
    if (done.has(id)) continue;
    const progress = { percent: ((index + 1) / ids.length) * 100, message: `${index + 1} of ${ids.length} items` };
    let reported = false;
    try {
      if (await suggestForItem(context, id, 'bulk_tag', progress)) {
        suggested += 1;
        reported = true;
      } else skipped += 1;
    } catch (error) {
      if (!(error instanceof PermanentJobError) || /not available|refused/.test(error.message)) throw error;
      skipped += 1;
    }
    if (!reported) await context.progress(progress.percent, progress.message);
  }
  if (skipped > 0) await context.service((tx) => tx`SELECT decrement_quota(${context.job.userId}, 'ai_analysis', ${skipped})`);
  return { items: ids.length, suggested, skipped };
};

