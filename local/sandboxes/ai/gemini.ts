/**
 * Gemini's `POST /v1beta/models/{model}:generateContent` (and `/v1/`, the SDK's default) on generativelanguage.googleapis.com
 * (../shared/contracts/third-party-apis.md §3): the key in `x-goog-api-key` (or `?key=`), a bad key answered as Google
 * does — 400 INVALID_ARGUMENT with ErrorInfo reason API_KEY_INVALID, not 401 —, `generationConfig.responseMimeType`
 * with `responseJsonSchema` or `responseSchema`, candidates with `finishReason`, `usageMetadata` (thinking models
 * report `thoughtsTokenCount`, which counts against `maxOutputTokens`), `responseId`, and Google RPC errors with
 * RetryInfo on 429.
 */
import { answerFor, invalidAnswerFor, tokens, wordsOf } from './generate.ts';
import { AI_SANDBOX_KEYS, AI_SANDBOX_MODELS, AiSandboxState, randomId, textOf, timed, type AiFault } from './state.ts';
import type { ProviderModule, SandboxRequest, SandboxResponse } from '../platforms/server.ts';

type Json = Record<string, any>;

const rpcError = (code: number, status: string, message: string, details?: Json[]): SandboxResponse =>
  ({ status: code, body: { error: { code, message, status, ...(details ? { details } : {}) } } });

const thinks = (model: string) => model.startsWith('gemini-2.5');

function faultResponse(fault: AiFault, model: string): SandboxResponse | undefined {
  switch (fault.kind) {
    case 'rate_limited': {
      const delay = fault.retryAfterMs !== undefined ? `${fault.retryAfterMs / 1000}s` : `${fault.retryAfterSeconds ?? 20}s`;
      return rpcError(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.', [
        { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests', quotaId: 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier', quotaDimensions: { location: 'global', model }, quotaValue: '10' }] },
        { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'Learn more about Gemini API quotas', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }] },
        { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: delay },
      ]);
    }
    case 'billing':
      return rpcError(403, 'PERMISSION_DENIED', 'Your project has been denied access. Please contact support.');
    case 'unavailable': {
      const status = fault.status ?? 503;
      const retry = fault.retryAfterMs === undefined ? undefined : [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${fault.retryAfterMs / 1000}s` }];
      return status === 503 ? rpcError(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.', retry)
        : rpcError(status, 'INTERNAL', 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting', retry);
    }
    default:
      return undefined;
  }
}

const generateContent = (state: AiSandboxState) => (request: SandboxRequest, match: RegExpExecArray | undefined): SandboxResponse => {
  const key = request.headers['x-goog-api-key'] ?? request.query.get('key');
  if (!key) return rpcError(403, 'PERMISSION_DENIED', "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.");
  if (key !== AI_SANDBOX_KEYS.google) {
    return rpcError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
      { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } },
      { '@type': 'type.googleapis.com/google.rpc.LocalizedMessage', locale: 'en-US', message: 'API key not valid. Please pass a valid API key.' },
    ]);
  }
  const modelName = decodeURIComponent(match?.[1] ?? '');
  const version = request.path.startsWith('/v1beta/') ? 'v1beta' : 'v1';
  const model = (AI_SANDBOX_MODELS.google as Record<string, string>)[modelName];
  if (!model) return rpcError(404, 'NOT_FOUND', `models/${modelName} is not found for API version ${version}, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`);
  const body = request.json() as Json | undefined;
  if (!body || !Array.isArray(body.contents) || body.contents.length === 0) return rpcError(400, 'INVALID_ARGUMENT', '* GenerateContentRequest.contents: contents is not specified\n');
  const config = (body.generationConfig ?? {}) as Json;
  const schema = (config.responseJsonSchema ?? config.responseSchema) as Json | undefined;
  if (schema && config.responseMimeType !== 'application/json') return rpcError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload: response_mime_type must be application/json when a response schema is set.');

  const fault = state.take('google');
  const failure = fault && faultResponse(fault, modelName);
  if (failure) return failure;

  const userText = body.contents.filter((c: Json) => (c.role ?? 'user') === 'user').map((c: Json) => textOf(c.parts)).join('\n');
  const words = wordsOf(userText);
  const promptTokens = tokens(`${textOf(body.systemInstruction?.parts ?? '')}\n${body.contents.map((c: Json) => textOf(c.parts)).join('\n')}`);
  const thoughtsTokens = thinks(modelName) ? 16 + Math.ceil(promptTokens / 8) : 0;
  const answer = fault?.kind === 'invalid_answer' && schema ? invalidAnswerFor(schema, words) : schema ? answerFor(schema, words) : words.slice(0, 12).join(' ');
  let text = typeof answer === 'string' ? answer : JSON.stringify(answer);
  if (fault?.kind === 'not_json') text = `Here is the JSON requested:\n${text}`;
  const limit = Number(config.maxOutputTokens ?? Infinity);
  let finishReason = fault?.kind === 'refusal' ? 'SAFETY' : 'STOP';
  if (fault?.kind === 'truncated' || thoughtsTokens + tokens(text) > limit) {
    text = text.slice(0, Math.max(0, Math.min(Math.floor(text.length / 2), (limit - thoughtsTokens) * 4)));
    finishReason = 'MAX_TOKENS';
  }
  const candidateTokens = text ? tokens(text) : 0;
  return {
    status: 200,
    headers: { 'server-timing': 'gfet4t7; dur=1', vary: 'Origin, X-Origin, Referer' },
    body: {
      candidates: [{
        content: { parts: finishReason === 'SAFETY' ? [] : [{ text }], role: 'model' },
        finishReason,
        index: 0,
        ...(finishReason === 'SAFETY' ? { safetyRatings: [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true }] } : {}),
      }],
      usageMetadata: {
        promptTokenCount: promptTokens,
        ...(candidateTokens ? { candidatesTokenCount: candidateTokens } : {}),
        totalTokenCount: promptTokens + candidateTokens + thoughtsTokens,
        promptTokensDetails: [{ modality: 'TEXT', tokenCount: promptTokens }],
        ...(thoughtsTokens ? { thoughtsTokenCount: thoughtsTokens } : {}),
      },
      modelVersion: model,
      responseId: randomId(22, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
    },
  };
};

/** Gemini's generateContent on generativelanguage.googleapis.com. */
export const gemini = (state: AiSandboxState): ProviderModule => () =>
  [timed(state, { method: 'POST', host: 'generativelanguage.googleapis.com', path: /^\/v1(?:beta)?\/models\/([^/:]+):generateContent$/, handle: generateContent(state) })];
