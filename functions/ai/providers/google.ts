/**
 * Google Gemini: `models.generateContent` through `@google/genai`, with `responseMimeType: application/json` and the
 * answer's schema as `responseJsonSchema` (JSON Schema as zod emits it; the older `responseSchema` is an OpenAPI subset).
 *
 * Usage: prompt = `promptTokenCount`; completion = `candidatesTokenCount + thoughtsTokenCount`, because thinking
 * tokens are billed as output but reported apart. `finishReason` other than STOP (MAX_TOKENS, SAFETY, RECITATION…) or a
 * blocked prompt → invalid_output.
 *
 * Retries are ours, not the SDK's: its `retryOptions` back off blindly, while Gemini says how long to wait in the body
 * (`RetryInfo.retryDelay`), not in a header. 429 and 408/5xx are retried `maxRetries` times, waiting `retryDelay` when
 * given (longer than MAX_INLINE_RETRY_WAIT_SECONDS: not waited, the job defers) or backing off exponentially.
 * Errors: 401/403 PERMISSION_DENIED and 400 with reason API_KEY_INVALID (Google's answer to a bad key) → invalid_key;
 * 429 RESOURCE_EXHAUSTED → rate_limited; 5xx → unavailable; other 4xx → bad_request.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, FinishReason, GoogleGenAI, type GenerateContentResponse } from '@google/genai';
import { elapsedMs, MAX_INLINE_RETRY_WAIT_SECONDS, providerFailure } from './failures.ts';
import { AiProviderError, type AiProvider, type AiProviderOptions, type GenerationRequest } from './port.ts';

const DEFAULT_MAX_RETRIES = 2;
const DEFAULT_TIMEOUT_MS = 60_000;
const BACKOFF_BASE_MS = 500;
const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

interface GoogleRpcError {
  error?: { code?: number; status?: string; details?: { '@type'?: string; reason?: string; retryDelay?: string }[] };
}

/** The Gemini adapter (baseUrl: the sandbox's `<url>/generativelanguage.googleapis.com` under npm start and the tests). */
export function googleProvider(options: AiProviderOptions & { fetch?: typeof fetch }): AiProvider {
  const client = new GoogleGenAI({
    apiKey: options.apiKey,
    httpOptions: {
      ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
      // The SDK defaults to v1; responseJsonSchema and thinking models are documented on v1beta.
      apiVersion: 'v1beta',
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    },
  });
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;

  const call = async (request: GenerationRequest): Promise<GenerateContentResponse> => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await client.models.generateContent({
          model: request.model,
          contents: [{ role: 'user', parts: [{ text: request.prompt }] }],
          config: {
            systemInstruction: request.system,
            responseMimeType: 'application/json',
            responseJsonSchema: withoutDialect(request.schema),
            maxOutputTokens: request.maxOutputTokens,
            ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
          },
        });
      } catch (error) {
        const failure = toFailure(error);
        const waitSeconds = failure.retryDelaySeconds ?? (BACKOFF_BASE_MS * 2 ** attempt * (1 - Math.random() * 0.25)) / 1000;
        const retryable = failure.status === undefined || RETRYABLE.has(failure.status);
        if (!retryable || attempt >= maxRetries || waitSeconds > MAX_INLINE_RETRY_WAIT_SECONDS) {
          const headers = failure.retryDelaySeconds === undefined ? undefined : new Headers({ 'retry-after': String(Math.ceil(failure.retryDelaySeconds)) });
          throw providerFailure('google', { status: failure.status, headers, providerCode: failure.code, badKey: failure.badKey }, error);
        }
        await sleep(waitSeconds * 1000);
      }
    }
  };

  return {
    name: 'google',
    async generate(request: GenerationRequest) {
      const startedAt = performance.now();
      const response = await call(request);
      const usage = response.usageMetadata;
      const billed = {
        usage: { promptTokens: usage?.promptTokenCount ?? 0, completionTokens: (usage?.candidatesTokenCount ?? 0) + (usage?.thoughtsTokenCount ?? 0) },
        ...(response.responseId ? { requestId: response.responseId } : {}),
        latencyMs: elapsedMs(startedAt),
      };
      const unusable = (problem: 'truncated' | 'refused' | 'not_json', text: string) =>
        new AiProviderError('google', 'invalid_output', text, { outputProblem: problem, billedCalls: [billed], ...(billed.requestId ? { requestId: billed.requestId } : {}) });
      const [candidate] = response.candidates ?? [];
      if (response.promptFeedback?.blockReason || !candidate) throw unusable('refused', `google blocked the prompt (${response.promptFeedback?.blockReason ?? 'no candidate'})`);
      if (candidate.finishReason === FinishReason.MAX_TOKENS) throw unusable('truncated', `google's answer was cut off at ${request.maxOutputTokens} output tokens`);
      if (candidate.finishReason && candidate.finishReason !== FinishReason.STOP) throw unusable('refused', `google stopped the answer (${candidate.finishReason})`);
      const text = candidate.content?.parts?.filter((part) => !part.thought).map((part) => part.text ?? '').join('') ?? '';
      try {
        return { output: JSON.parse(text) as unknown, ...billed };
      } catch {
        throw unusable('not_json', "google's answer is not JSON");
      }
    },
  };
}

const withoutDialect = ({ $schema: _dialect, ...schema }: Record<string, unknown>) => schema;

/** An SDK error read as Google RPC: the status, the RPC status name, a bad key, and RetryInfo's delay. */
function toFailure(error: unknown): { status?: number; code?: string; badKey?: boolean; retryDelaySeconds?: number } {
  if (error instanceof ApiError) {
    let body: GoogleRpcError = {};
    try {
      body = JSON.parse(error.message) as GoogleRpcError;
    } catch { /* not JSON: the status alone decides */ }
    const details = body.error?.details ?? [];
    const delay = details.find((d) => d['@type']?.endsWith('google.rpc.RetryInfo'))?.retryDelay;
    const delaySeconds = delay === undefined ? Number.NaN : Number.parseFloat(delay);
    return {
      status: error.status,
      ...(body.error?.status ? { code: body.error.status } : {}),
      badKey: details.some((d) => d.reason === 'API_KEY_INVALID'),
      ...(Number.isFinite(delaySeconds) ? { retryDelaySeconds: delaySeconds } : {}),
    };
  }
  // fetch's own failures (refused connection, reset) and the SDK's per-attempt timeout: no answer at all.
  if (error instanceof TypeError || (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError'))) return {};
  throw error;
}
