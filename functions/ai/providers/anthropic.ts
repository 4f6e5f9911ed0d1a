/**
 * Anthropic: the Messages API through `@anthropic-ai/sdk`, with one tool whose `input_schema` is the answer's schema
 * and `tool_choice` forcing it; the answer is that tool call's `input` (already parsed by the API). Tool use works on
 * every current model, where the newer JSON output format does not.
 *
 * Errors: 401/403 → invalid_key; 429 `rate_limit_error` → rate_limited (the SDK retries it first, honouring
 * Retry-After); a spend-limit 429 (`error.details.error_code` `enforced_spend_limit_reached` and the like) → invalid_key,
 * not retried; 529 `overloaded_error` and 5xx → unavailable; other 4xx → bad_request. `stop_reason` `max_tokens` or
 * `refusal` → invalid_output.
 */
import Anthropic, { APIError } from '@anthropic-ai/sdk';
import { elapsedMs, finalFetch, providerFailure } from './failures.ts';
import { AiProviderError, type AiProvider, type AiProviderOptions, type GenerationRequest } from './port.ts';

const DEFAULT_MAX_RETRIES = 2;
const DEFAULT_TIMEOUT_MS = 60_000;

const spendLimitCode = (body: unknown): string | undefined => {
  const code = (body as { error?: { details?: { error_code?: unknown } } } | undefined)?.error?.details?.error_code;
  return typeof code === 'string' && code.endsWith('spend_limit_reached') ? code : undefined;
};

/** The Anthropic adapter (baseUrl: the sandbox's `<url>/api.anthropic.com` under npm start and the tests). */
export function anthropicProvider(options: AiProviderOptions & { fetch?: typeof fetch }): AiProvider {
  const client = new Anthropic({
    apiKey: options.apiKey,
    ...(options.baseUrl ? { baseURL: options.baseUrl } : {}),
    maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    fetch: finalFetch((body) => spendLimitCode(body) !== undefined, options.fetch),
  });

  return {
    name: 'anthropic',
    async generate(request: GenerationRequest) {
      const startedAt = performance.now();
      let message: Anthropic.Message & { _request_id?: string | null };
      try {
        message = await client.messages.create({
          model: request.model,
          max_tokens: request.maxOutputTokens,
          system: request.system,
          messages: [{ role: 'user', content: request.prompt }],
          tools: [{ name: request.schemaName, description: 'Record the answer in this exact structure.', input_schema: toolSchema(request.schema) }],
          tool_choice: { type: 'tool', name: request.schemaName },
          ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
        });
      } catch (error) {
        if (!(error instanceof APIError)) throw error;
        const spendLimit = error.status === 429 ? spendLimitCode(error.error) : undefined;
        throw providerFailure('anthropic', {
          status: error.status, headers: error.headers, requestId: error.requestID ?? undefined,
          providerCode: spendLimit ?? error.type ?? undefined, billing: spendLimit !== undefined,
        }, error);
      }
      const billed = {
        usage: { promptTokens: message.usage.input_tokens, completionTokens: message.usage.output_tokens },
        ...(message._request_id ? { requestId: message._request_id } : {}),
        latencyMs: elapsedMs(startedAt),
      };
      const unusable = (problem: 'truncated' | 'refused' | 'not_json', text: string) =>
        new AiProviderError('anthropic', 'invalid_output', text, { outputProblem: problem, billedCalls: [billed], ...(billed.requestId ? { requestId: billed.requestId } : {}) });
      if (message.stop_reason === 'max_tokens') throw unusable('truncated', `anthropic's answer was cut off at ${request.maxOutputTokens} output tokens`);
      if (message.stop_reason === 'refusal') throw unusable('refused', "anthropic's model refused to answer");
      const call = message.content.find((block) => block.type === 'tool_use' && block.name === request.schemaName);
      if (!call || call.type !== 'tool_use') throw unusable('not_json', `anthropic answered without calling ${request.schemaName}`);
      return { output: call.input, ...billed };
    },
  };
}

/** The tool's input schema: the answer's, without `$schema` (a tool schema is an object schema, not a document). */
function toolSchema(schema: Record<string, unknown>): Anthropic.Tool.InputSchema {
  const { $schema: _dialect, ...rest } = schema;
  return { ...rest, type: 'object' } as Anthropic.Tool.InputSchema;
}
