/**
 * The AI port: one structured generation, whatever the provider. Adapters (providers/<name>.ts) implement it with the
 * provider's own SDK (`openai`, `@anthropic-ai/sdk`, `@google/genai`; Local is any OpenAI-compatible server through
 * `openai` with a base URL). The feature builds the prompt and the JSON schema; the adapter only asks and reports.
 */

/** ai_provider.slug. */
export type AiProviderName = 'openai' | 'anthropic' | 'google' | 'local';

export interface GenerationRequest {
  /** The provider's model id (ai_model.slug), e.g. gpt-4o-mini. */
  model: string;
  system: string;
  prompt: string;
  /** The JSON Schema (draft 2020-12, from zod) the answer must follow, and a name for it (OpenAI's json_schema name, Anthropic's tool name). */
  schema: Record<string, unknown>;
  schemaName: string;
  maxOutputTokens: number;
  temperature?: number;
}

export interface GenerationResult {
  /** The answer parsed as JSON (not yet validated: the caller validates it with the zod schema). */
  output: unknown;
  /** As the provider reports them (OpenAI usage.prompt_tokens/completion_tokens, Anthropic input/output_tokens, Gemini usageMetadata). */
  usage: { promptTokens: number; completionTokens: number };
  /** The provider's request id (x-request-id, request-id, responseId), for support and the ai_usage row. */
  requestId?: string;
  /** Wall time of the call, ms. */
  latencyMs: number;
}

/** What one billed call cost and where to find it: an ai_usage row (also carried by failures, which cost too). */
export type BilledCall = Omit<GenerationResult, 'output'>;

export type AiErrorKind =
  /** 429: retry after `retryAfterSeconds` when given. */
  | 'rate_limited'
  /** 5xx, overloaded, network, timeout: retry with backoff. */
  | 'unavailable'
  /** 401/403: our key is wrong or revoked, or billing stops the account (a quota/spend-limit 429): fails for good; operators are told, users see a generic message. */
  | 'invalid_key'
  /** The provider refused the request itself (400: a bad model name, a schema it rejects): a bug or configuration. */
  | 'bad_request'
  /** The answer is not JSON / was cut off / refused by the model. */
  | 'invalid_output';

/** Why an answer was unusable (kind invalid_output): only `not_json` and `schema_mismatch` are worth asking again. */
export type OutputProblem = 'truncated' | 'refused' | 'not_json' | 'schema_mismatch';

export interface AiProviderErrorDetails {
  status?: number;
  retryAfterSeconds?: number;
  requestId?: string;
  /** The provider's own code, for operators: insufficient_quota, enforced_spend_limit_reached, RESOURCE_EXHAUSTED… */
  providerCode?: string;
  outputProblem?: OutputProblem;
  /** Calls that were answered (and billed) before this failure: an invalid answer still costs its tokens. */
  billedCalls?: BilledCall[];
}

export class AiProviderError extends Error {
  override readonly name = 'AiProviderError';
  constructor(readonly provider: AiProviderName, readonly kind: AiErrorKind, message: string,
    readonly details: AiProviderErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
  }
  get retryable(): boolean {
    return this.kind === 'rate_limited' || this.kind === 'unavailable';
  }
}

export interface AiProvider {
  readonly name: AiProviderName;
  generate(request: GenerationRequest): Promise<GenerationResult>;
}

export interface AiProviderOptions {
  apiKey: string;
  /** The API's base URL: the sandbox's under npm start and the tests, a Local server's (Ollama: http://localhost:11434/v1). */
  baseUrl?: string;
  /** SDK-level retries of 429/5xx (they honour Retry-After); default 2. */
  maxRetries?: number;
  timeoutMs?: number;
}
