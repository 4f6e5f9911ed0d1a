/**
 * Anthropic's `POST /v1/messages` on api.anthropic.com (../shared/contracts/third-party-apis.md §3): the key in `x-api-key` or
 * `Authorization: Bearer` (what the 1.x SDK sends), `anthropic-version` required, `max_tokens` required, tools with an object `input_schema` and `tool_choice`, answers as
 * `message` objects (a `tool_use` block when a tool is forced, else text) with `usage`, `request-id` and
 * `anthropic-ratelimit-*` headers, `stop_reason: max_tokens` past the limit, and Anthropic's error bodies
 * (`{type: "error", error: {type, message}, request_id}`), 529 `overloaded_error` included.
 */
import { answerFor, invalidAnswerFor, tokens, wordsOf } from './generate.ts';
import { AI_SANDBOX_KEYS, AI_SANDBOX_MODELS, AiSandboxState, randomId, textOf, timed, type AiFault } from './state.ts';
import type { ProviderModule, SandboxRequest, SandboxResponse } from '../platforms/server.ts';

const REQUESTS_PER_MINUTE = 4000;
const INPUT_TOKENS_PER_MINUTE = 2_000_000;
/** The system prompt Anthropic adds when a tool is forced (tool_choice `tool`): billed as input. */
const FORCED_TOOL_SYSTEM_TOKENS = 313;

type Json = Record<string, any>;

const requestId = () => `req_011C${randomId(20)}`;

function anthropicError(status: number, type: string, message: string, extra: { headers?: Record<string, string>; details?: Json } = {}): SandboxResponse {
  const id = requestId();
  return {
    status,
    headers: { 'request-id': id, ...extra.headers },
    body: { type: 'error', error: { type, message, ...(extra.details ? { details: extra.details } : {}) }, request_id: id },
  };
}

function faultResponse(fault: AiFault): SandboxResponse | undefined {
  const retryMs: Record<string, string> = 'retryAfterMs' in fault && fault.retryAfterMs !== undefined ? { 'retry-after-ms': String(fault.retryAfterMs) } : {};
  switch (fault.kind) {
    case 'rate_limited': {
      const seconds = fault.retryAfterSeconds ?? Math.ceil((fault.retryAfterMs ?? 20_000) / 1000);
      return anthropicError(429, 'rate_limit_error', 'This request would exceed the rate limit for your organization (sandbox) of 50 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later. You may also contact sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase.',
        { headers: { 'retry-after': String(seconds), ...retryMs } });
    }
    case 'billing':
      return anthropicError(429, 'rate_limit_error', 'You have reached your specified API usage limits. You will regain access on 2026-02-01 at 00:00 UTC.',
        { details: { error_code: 'enforced_spend_limit_reached' } });
    case 'unavailable': {
      const status = fault.status ?? 529;
      return status === 529 ? anthropicError(529, 'overloaded_error', 'Overloaded', { headers: retryMs })
        : anthropicError(status, 'api_error', 'Internal server error', { headers: retryMs });
    }
    default:
      return undefined;
  }
}

const messages = (state: AiSandboxState) => (request: SandboxRequest): SandboxResponse => {
  // The SDK (1.x) sends the key as a Bearer token; curl examples and older SDKs use x-api-key. The API takes both.
  const key = request.headers['x-api-key'] ?? request.bearer();
  if (typeof key !== 'string' || key === '') return anthropicError(401, 'authentication_error', 'x-api-key header is required');
  if (key !== AI_SANDBOX_KEYS.anthropic) return anthropicError(401, 'authentication_error', 'invalid x-api-key');
  if (!request.headers['anthropic-version']) return anthropicError(400, 'invalid_request_error', 'anthropic-version: header is required');
  const body = request.json() as Json | undefined;
  if (!body || typeof body !== 'object') return anthropicError(400, 'invalid_request_error', 'There was an issue with your request: the body is not valid JSON');
  if (typeof body.max_tokens !== 'number') return anthropicError(400, 'invalid_request_error', 'max_tokens: Field required');
  if (!Array.isArray(body.messages) || body.messages.length === 0) return anthropicError(400, 'invalid_request_error', 'messages: Field required');
  const model = (AI_SANDBOX_MODELS.anthropic as Record<string, string>)[body.model];
  if (!model) return anthropicError(404, 'not_found_error', `model: ${String(body.model)}`);
  const tools = (body.tools ?? []) as Json[];
  for (const [i, tool] of tools.entries()) {
    if (typeof tool.name !== 'string' || !/^[a-zA-Z0-9_-]{1,128}$/.test(tool.name)) return anthropicError(400, 'invalid_request_error', `tools.${i}.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`);
    if (tool.input_schema?.type !== 'object') return anthropicError(400, 'invalid_request_error', `tools.${i}.custom.input_schema.type: Input should be 'object'`);
  }
  const choice = body.tool_choice as Json | undefined;
  const forced = choice?.type === 'tool' ? tools.find((tool) => tool.name === choice.name) : undefined;
  if (choice?.type === 'tool' && !forced) return anthropicError(400, 'invalid_request_error', `tool_choice: tool '${String(choice.name)}' not found in 'tools'`);

  const fault = state.take('anthropic');
  const failure = fault && faultResponse(fault);
  if (failure) return failure;

  const userText = body.messages.filter((m: Json) => m.role === 'user').map((m: Json) => textOf(m.content)).join('\n');
  const words = wordsOf(userText);
  const inputTokens = tokens(`${textOf(body.system ?? '')}\n${body.messages.map((m: Json) => textOf(m.content)).join('\n')}`)
    + (tools.length ? tokens(JSON.stringify(tools)) : 0) + (forced ? FORCED_TOOL_SYSTEM_TOKENS : 0);
  let content: Json[];
  let stopReason = forced ? 'tool_use' : 'end_turn';
  let outputTokens: number;
  if (fault?.kind === 'refusal') {
    content = [];
    stopReason = 'refusal';
    outputTokens = 5;
  } else if (forced) {
    const input = fault?.kind === 'invalid_answer' ? invalidAnswerFor(forced.input_schema, words) : answerFor(forced.input_schema, words);
    outputTokens = tokens(JSON.stringify(input)) + 20;
    content = [{ type: 'tool_use', id: `toolu_01${randomId(22)}`, name: forced.name, input }];
    if (fault?.kind === 'truncated' || outputTokens > body.max_tokens) {
      // Cut off while writing the tool call: the block is there, its input incomplete (what parses of it: nothing).
      content = [{ type: 'tool_use', id: `toolu_01${randomId(22)}`, name: forced.name, input: {} }];
      stopReason = 'max_tokens';
      outputTokens = Math.min(outputTokens, body.max_tokens);
    }
  } else {
    let text = words.slice(0, 12).join(' ');
    outputTokens = tokens(text);
    if (fault?.kind === 'truncated' || outputTokens > body.max_tokens) {
      text = text.slice(0, Math.max(1, Math.min(text.length / 2, body.max_tokens * 4)));
      stopReason = 'max_tokens';
      outputTokens = tokens(text);
    }
    content = [{ type: 'text', text }];
  }
  const reset = new Date(Date.now() + 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    status: 200,
    headers: {
      'request-id': requestId(),
      'anthropic-organization-id': '00000000-0000-4000-8000-000000000000',
      'anthropic-ratelimit-requests-limit': String(REQUESTS_PER_MINUTE),
      'anthropic-ratelimit-requests-remaining': String(REQUESTS_PER_MINUTE - 1 - (state.handlingMs.length % REQUESTS_PER_MINUTE)),
      'anthropic-ratelimit-requests-reset': reset,
      'anthropic-ratelimit-input-tokens-limit': String(INPUT_TOKENS_PER_MINUTE),
      'anthropic-ratelimit-input-tokens-remaining': String(INPUT_TOKENS_PER_MINUTE - inputTokens),
      'anthropic-ratelimit-input-tokens-reset': reset,
    },
    body: {
      id: `msg_01${randomId(22)}`,
      type: 'message',
      role: 'assistant',
      model,
      content,
      stop_reason: stopReason,
      stop_sequence: null,
      usage: { input_tokens: inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: outputTokens, service_tier: 'standard' },
    },
  };
};

/** Anthropic's Messages API on api.anthropic.com. */
export const anthropic = (state: AiSandboxState): ProviderModule => () =>
  [timed(state, { method: 'POST', host: 'api.anthropic.com', path: '/v1/messages', handle: messages(state) })];
