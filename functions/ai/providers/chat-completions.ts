/**
 * Chat Completions with strict structured outputs through the `openai` SDK: OpenAI itself (openai.ts) and any
 * OpenAI-compatible server — Ollama, llama.cpp, vLLM (local.ts). The two differ in the token-limit field and in what a
 * missing `usage` means; the error mapping is the same (OpenAI's `{ error: { type, code, message } }`).
 */
import OpenAI, { APIError } from 'openai';
import { elapsedMs, finalFetch, providerFailure } from './failures.ts';
import { AiProviderError, type AiProvider, type AiProviderOptions, type GenerationRequest } from './port.ts';
import { strictJsonSchema, withoutStrictNulls } from './strict-schema.ts';

const DEFAULT_MAX_RETRIES = 2;
const DEFAULT_TIMEOUT_MS = 60_000;

export interface ChatCompletionsFlavour {
  name: 'openai' | 'local';
  /** OpenAI wants `max_completion_tokens` (reasoning models refuse `max_tokens`); Ollama and llama.cpp read `max_tokens`. */
  tokenLimitField: 'max_completion_tokens' | 'max_tokens';
}

const isBillingStop = (body: unknown) => {
  const error = (body as { error?: { code?: unknown; type?: unknown } } | undefined)?.error;
  return error?.code === 'insufficient_quota' || error?.type === 'insufficient_quota';
};

/** An AiProvider over `POST {baseUrl}/chat/completions` with `response_format: json_schema` (strict). */
export function chatCompletionsProvider(flavour: ChatCompletionsFlavour, options: AiProviderOptions & { fetch?: typeof fetch }): AiProvider {
  const { name } = flavour;
  const client = new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseUrl,
    maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    fetch: finalFetch(isBillingStop, options.fetch),
  });

  return {
    name,
    async generate(request: GenerationRequest) {
      const startedAt = performance.now();
      let completion: OpenAI.ChatCompletion & { _request_id?: string | null };
      try {
        completion = await client.chat.completions.create({
          model: request.model,
          messages: [{ role: 'system', content: request.system }, { role: 'user', content: request.prompt }],
          response_format: { type: 'json_schema', json_schema: { name: request.schemaName, strict: true, schema: strictJsonSchema(request.schema) } },
          [flavour.tokenLimitField]: request.maxOutputTokens,
          ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
        });
      } catch (error) {
        if (!(error instanceof APIError)) throw error;
        throw providerFailure(name, {
          status: error.status, headers: error.headers, requestId: error.requestID ?? undefined,
          providerCode: typeof error.code === 'string' ? error.code : typeof error.type === 'string' ? error.type : undefined,
          billing: error.status === 429 && isBillingStop({ error: error.error }),
        }, error);
      }
      const billed = {
        // A server without `usage` (some OpenAI-compatible ones) reports nothing: 0, which is what a Local model costs us.
        usage: { promptTokens: completion.usage?.prompt_tokens ?? 0, completionTokens: completion.usage?.completion_tokens ?? 0 },
        ...(completion._request_id ? { requestId: completion._request_id } : {}),
        latencyMs: elapsedMs(startedAt),
      };
      const [choice] = completion.choices;
      const unusable = (problem: 'truncated' | 'refused' | 'not_json', message: string) =>
        new AiProviderError(name, 'invalid_output', message, { outputProblem: problem, billedCalls: [billed], ...(billed.requestId ? { requestId: billed.requestId } : {}) });
      if (!choice) throw unusable('not_json', `${name} answered without a choice`);
      if (choice.finish_reason === 'length') throw unusable('truncated', `${name}'s answer was cut off at ${request.maxOutputTokens} output tokens`);
      if (choice.message.refusal || choice.finish_reason === 'content_filter') throw unusable('refused', `${name}'s model refused to answer`);
      let output: unknown;
      try {
        output = JSON.parse(choice.message.content ?? '');
      } catch {
        throw unusable('not_json', `${name}'s answer is not JSON`);
      }
      return { output: withoutStrictNulls(request.schema, output), ...billed };
    },
  };
}
