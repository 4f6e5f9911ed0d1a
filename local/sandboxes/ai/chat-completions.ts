/**
 * `POST /v1/chat/completions` as OpenAI (api.openai.com) and Ollama's OpenAI-compatible layer (localhost:11434) serve
 * it (../shared/contracts/third-party-apis.md §3; the OpenAI shapes are checked against OpenAI's OpenAPI document by
 * test/ai-openai-contract.test.ts): Bearer keys, strict `json_schema` checks, `chat.completion` objects with `usage`,
 * `x-request-id` and `x-ratelimit-*` headers, `finish_reason: length` past the token limit, and OpenAI's error bodies.
 * Ollama ignores the key, enforces the schema without strict-mode checks, and names errors `api_error`.
 */
import { answerFor, invalidAnswerFor, tokens, wordsOf } from './generate.ts';
import { AI_SANDBOX_KEYS, AI_SANDBOX_MODELS, AiSandboxState, randomId, textOf, timed, type AiFault } from './state.ts';
import type { ProviderModule, SandboxRequest, SandboxResponse } from '../platforms/server.ts';

const REQUESTS_PER_MINUTE = 5000;
const TOKENS_PER_MINUTE = 4_000_000;
/** Per-message framing tokens OpenAI adds (`<|start|>role … <|end|>`), and 3 to prime the reply. */
const TOKENS_PER_MESSAGE = 3;

type Json = Record<string, any>;
type Flavour = 'openai' | 'local';

const openaiError = (status: number, message: string, type: string, code: string | null, param: string | null = null, headers: Record<string, string> = {}): SandboxResponse =>
  ({ status, headers: { 'x-request-id': `req_${randomId(32, '0123456789abcdef')}`, ...headers }, body: { error: { message, type, param, code } } });

const ollamaError = (status: number, message: string): SandboxResponse => ({ status, body: { error: { message, type: 'api_error', param: null, code: null } } });

/** OpenAI's strict-mode rules the sandbox enforces: every object closed and listing all its properties as required. */
function strictProblem(schema: Json, context: string[] = []): string | undefined {
  if (schema.type === 'object' || schema.properties) {
    const keys = Object.keys(schema.properties ?? {});
    const missing = keys.filter((key) => !(schema.required ?? []).includes(key));
    const where = `In context=(${context.map((c) => `'${c}'`).join(', ')})`;
    if (missing.length) return `${where}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing[0]}'.`;
    if (schema.additionalProperties !== false) return `${where}, 'additionalProperties' is required to be supplied and to be false.`;
    for (const key of keys) {
      const problem = strictProblem(schema.properties[key], [...context, 'properties', key]);
      if (problem) return problem;
    }
  }
  for (const keyword of ['anyOf', 'allOf'] as const) {
    for (const [i, branch] of (schema[keyword] ?? []).entries()) {
      const problem = strictProblem(branch, [...context, keyword, String(i)]);
      if (problem) return problem;
    }
  }
  if (schema.items) return strictProblem(schema.items, [...context, 'items']);
  for (const [name, def] of Object.entries<Json>(schema.$defs ?? {})) {
    const problem = strictProblem(def, [...context, '$defs', name]);
    if (problem) return problem;
  }
  return undefined;
}

function faultResponse(flavour: Flavour, fault: AiFault, model: string): SandboxResponse | undefined {
  const retryMs: Record<string, string> = 'retryAfterMs' in fault && fault.retryAfterMs !== undefined ? { 'retry-after-ms': String(fault.retryAfterMs) } : {};
  switch (fault.kind) {
    case 'rate_limited': {
      const seconds = fault.retryAfterSeconds ?? Math.ceil((fault.retryAfterMs ?? 20_000) / 1000);
      if (flavour === 'local') return { ...ollamaError(429, 'server busy, please try again.  maximum pending requests exceeded'), headers: { 'retry-after': String(seconds), ...retryMs } };
      return openaiError(429, `Rate limit reached for ${model} in organization org-sandbox on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in ${seconds}s. Visit https://platform.openai.com/account/rate-limits to learn more.`,
        'requests', 'rate_limit_exceeded', null, { 'retry-after': String(seconds), ...retryMs });
    }
    case 'billing':
      return openaiError(429, 'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
        'insufficient_quota', 'insufficient_quota');
    case 'unavailable': {
      const status = fault.status ?? 500;
      if (flavour === 'local') return { ...ollamaError(status, 'llama runner process has terminated: exit status 2'), headers: retryMs };
      return openaiError(status, status === 503 ? 'The engine is currently overloaded, please try again later.' : 'The server had an error while processing your request. Sorry about that!', 'server_error', null, null, retryMs);
    }
    default:
      return undefined;
  }
}

const chatCompletions = (flavour: Flavour, state: AiSandboxState) => (request: SandboxRequest): SandboxResponse => {
  const startedAt = performance.now();
  const key = request.bearer();
  if (flavour === 'openai' && key !== AI_SANDBOX_KEYS.openai) {
    return key
      ? openaiError(401, `Incorrect API key provided: ${key.slice(0, 3)}${'*'.repeat(Math.max(0, key.length - 7))}${key.slice(-4)}. You can find your API key at https://platform.openai.com/account/api-keys.`, 'invalid_request_error', 'invalid_api_key')
      : openaiError(401, "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.", 'invalid_request_error', null);
  }
  const body = request.json() as Json | undefined;
  const invalid = (message: string, param: string | null) => flavour === 'local' ? ollamaError(400, message) : openaiError(400, message, 'invalid_request_error', null, param);
  if (!body || typeof body !== 'object') return invalid('We could not parse the JSON body of your request.', null);
  if (typeof body.model !== 'string') return invalid("Missing required parameter: 'model'.", 'model');
  if (!Array.isArray(body.messages) || body.messages.length === 0) return invalid("Missing required parameter: 'messages'.", 'messages');
  const snapshot = (AI_SANDBOX_MODELS[flavour] as Record<string, string>)[body.model];
  if (!snapshot) {
    return flavour === 'local' ? ollamaError(404, `model "${body.model}" not found, try pulling it first`)
      : openaiError(404, `The model \`${body.model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found');
  }
  const format = body.response_format as Json | undefined;
  const schema = format?.type === 'json_schema' ? format.json_schema?.schema as Json | undefined : undefined;
  if (format?.type === 'json_schema' && flavour === 'openai') {
    const name = format.json_schema?.name;
    if (typeof name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(name)) return invalid("Invalid 'response_format.json_schema.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.", 'response_format.json_schema.name');
    const problem = format.json_schema?.strict === true && schema ? strictProblem(schema) : undefined;
    if (problem) return invalid(`Invalid schema for response_format '${name}': ${problem}`, 'response_format');
  }

  const fault = state.take(flavour);
  const failure = fault && faultResponse(flavour, fault, body.model);
  if (failure) return failure;

  const prompt = body.messages.map((m: Json) => textOf(m.content)).join('\n');
  const userText = body.messages.filter((m: Json) => m.role === 'user').map((m: Json) => textOf(m.content)).join('\n');
  const words = wordsOf(userText);
  const answer = fault?.kind === 'invalid_answer' && schema ? invalidAnswerFor(schema, words) : schema ? answerFor(schema, words) : words.slice(0, 12).join(' ');
  let content = typeof answer === 'string' ? answer : JSON.stringify(answer);
  if (fault?.kind === 'not_json') content = `Sure! Here is the answer: ${content}`;
  const limit = Number(body.max_completion_tokens ?? body.max_tokens ?? Infinity);
  let finishReason = 'stop';
  if (fault?.kind === 'truncated' || tokens(content) > limit) {
    content = content.slice(0, Math.max(1, Math.min(Math.floor(content.length / 2), Number.isFinite(limit) ? limit * 4 : Infinity)));
    finishReason = 'length';
  }
  const refused = fault?.kind === 'refusal';
  const promptTokens = tokens(prompt) + TOKENS_PER_MESSAGE * (body.messages.length + 1) + (schema ? tokens(JSON.stringify(schema)) : 0);
  const completionTokens = refused ? 12 : tokens(content);
  const message = refused ? { role: 'assistant', content: null, refusal: "I'm sorry, I can't help with that request.", annotations: [] }
    : { role: 'assistant', content, refusal: null, annotations: [] };
  const completion: Json = {
    id: flavour === 'local' ? `chatcmpl-${randomId(3, '0123456789')}` : `chatcmpl-${randomId(29)}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: snapshot,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
    ...(fault?.kind === 'no_usage' ? {} : {
      usage: flavour === 'local' ? { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens } : {
        prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      },
    }),
    ...(flavour === 'local' ? { system_fingerprint: 'fp_ollama' } : { service_tier: 'default', system_fingerprint: `fp_${randomId(10, '0123456789abcdef')}` }),
  };
  if (flavour === 'local') return { status: 200, body: completion };
  const used = state.handlingMs.length % REQUESTS_PER_MINUTE;
  return {
    status: 200,
    headers: {
      'x-request-id': `req_${randomId(32, '0123456789abcdef')}`,
      'openai-processing-ms': String(Math.max(1, Math.round(performance.now() - startedAt))),
      'openai-version': '2020-10-01',
      'x-ratelimit-limit-requests': String(REQUESTS_PER_MINUTE),
      'x-ratelimit-remaining-requests': String(REQUESTS_PER_MINUTE - used - 1),
      'x-ratelimit-reset-requests': '12ms',
      'x-ratelimit-limit-tokens': String(TOKENS_PER_MINUTE),
      'x-ratelimit-remaining-tokens': String(TOKENS_PER_MINUTE - promptTokens - completionTokens),
      'x-ratelimit-reset-tokens': '6m0s',
    },
    body: completion,
  };
};

/** OpenAI's chat completions on api.openai.com. */
export const openai = (state: AiSandboxState): ProviderModule => () =>
  [timed(state, { method: 'POST', host: 'api.openai.com', path: '/v1/chat/completions', handle: chatCompletions('openai', state) })];

/** Ollama's OpenAI-compatible chat completions on localhost:11434 (the Local provider). */
export const ollama = (state: AiSandboxState): ProviderModule => () =>
  [timed(state, { method: 'POST', host: 'localhost:11434', path: '/v1/chat/completions', handle: chatCompletions('local', state) })];
