/**
 * OpenAI: Chat Completions with strict structured outputs (`response_format: json_schema, strict: true`), through the
 * `openai` SDK. Errors: 401/403 → invalid_key; 429 `rate_limit_exceeded` → rate_limited (the SDK retries it first,
 * honouring Retry-After); 429 `insufficient_quota` → invalid_key, not retried (billing: an operator must act, and the
 * user sees the same generic message as for a bad key); 404 `model_not_found` and other 4xx → bad_request;
 * 5xx → unavailable. `finish_reason: length`, a refusal or `content_filter` → invalid_output.
 */
import { chatCompletionsProvider } from './chat-completions.ts';
import type { AiProvider, AiProviderOptions } from './port.ts';

/** The OpenAI adapter (baseUrl: the sandbox's `<url>/api.openai.com/v1` under npm start and the tests). */
export const openaiProvider = (options: AiProviderOptions & { fetch?: typeof fetch }): AiProvider =>
  chatCompletionsProvider({ name: 'openai', tokenLimitField: 'max_completion_tokens' }, options);
