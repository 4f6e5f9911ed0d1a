/**
 * What the AI sandbox's provider modules share: the fake keys, the models each provider knows, the faults tests queue,
 * and how long the sandbox itself spent on each call (so a benchmark can subtract it from an adapter's latency).
 */
import { randomBytes } from 'node:crypto';
import type { SandboxRequest, SandboxResponse, SandboxRoute } from '../platforms/server.ts';

export type AiSandboxProvider = 'openai' | 'anthropic' | 'google' | 'local';

/** The keys the sandbox accepts (any other is the provider's real 401/400). Local (Ollama) ignores keys, as Ollama does. */
export const AI_SANDBOX_KEYS = {
  openai: 'sk-proj-sandbox-openai-0000000000000000',
  anthropic: 'sk-ant-api03-sandbox-anthropic-000000000000',
  google: 'AIzaSy-sandbox-google-00000000000000000',
  local: 'ollama',
} as const satisfies Record<AiSandboxProvider, string>;

/** Models each provider serves; anything else is its real "model not found". OpenAI answers with the dated snapshot. */
export const AI_SANDBOX_MODELS = {
  openai: { 'gpt-4o-mini': 'gpt-4o-mini-2024-07-18', 'gpt-4o': 'gpt-4o-2024-08-06', 'gpt-4.1-mini': 'gpt-4.1-mini-2025-04-14', 'gpt-5-mini': 'gpt-5-mini-2025-08-07' },
  // The seed's models (003) first: they are what users choose in their AI settings.
  anthropic: { 'claude-3-5-sonnet-20241022': 'claude-3-5-sonnet-20241022', 'claude-haiku-4-5': 'claude-haiku-4-5-20251001', 'claude-sonnet-4-5': 'claude-sonnet-4-5-20250929', 'claude-3-5-haiku-latest': 'claude-3-5-haiku-20241022' },
  /** Gemini 2.5 models think: their thinking tokens count against maxOutputTokens and come back as thoughtsTokenCount. */
  google: { 'gemini-1.5-pro': 'gemini-1.5-pro-002', 'gemini-2.5-flash': 'gemini-2.5-flash', 'gemini-2.5-flash-lite': 'gemini-2.5-flash-lite', 'gemini-2.5-pro': 'gemini-2.5-pro', 'gemini-2.0-flash': 'gemini-2.0-flash' },
  local: { 'llama3.2': 'llama3.2', 'qwen2.5:7b': 'qwen2.5:7b', 'gemma3:4b': 'gemma3:4b' },
} as const satisfies Record<AiSandboxProvider, Record<string, string>>;

/**
 * A misbehaviour a test asks for. HTTP faults answer with the provider's real error body and headers; answer faults
 * change the model's answer: `invalid_answer` (JSON that breaks the schema), `not_json`, `truncated` (cut off at the
 * token limit), `refusal`, `no_usage` (an OpenAI-compatible server without `usage`).
 */
export type AiFault = { provider: AiSandboxProvider; times?: number; after?: number } & (
  /** `retryAfterMs` adds `retry-after-ms` (the SDKs prefer it) and, for Gemini, a sub-second RetryInfo: fast tests. */
  | { kind: 'rate_limited'; retryAfterSeconds?: number; retryAfterMs?: number }
  /** OpenAI `insufficient_quota`, Anthropic `enforced_spend_limit_reached`. */
  | { kind: 'billing' }
  /** Default status: 529 overloaded for Anthropic, 503 for Gemini, 500 for OpenAI and Local. */
  | { kind: 'unavailable'; status?: number; retryAfterMs?: number }
  | { kind: 'invalid_answer' | 'not_json' | 'truncated' | 'refusal' | 'no_usage' }
);

export class AiSandboxState {
  private faults: (AiFault & { left: number; skip: number })[] = [];
  /** The sandbox's own handling time of each answered call, ms. */
  handlingMs: number[] = [];

  inject(fault: AiFault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1, skip: fault.after ?? 0 });
  }

  /** The fault for this call of `provider`, if one is queued (and consumes it). */
  take(provider: AiSandboxProvider): AiFault | undefined {
    const fault = this.faults.find((f) => f.provider === provider && f.left > 0);
    if (!fault) return undefined;
    if (fault.skip > 0) {
      fault.skip -= 1;
      return undefined;
    }
    fault.left -= 1;
    return fault;
  }

  reset(): void {
    this.faults = [];
    this.handlingMs = [];
  }
}

/** A route whose handling time is recorded. */
export const timed = (state: AiSandboxState, route: SandboxRoute): SandboxRoute => ({
  ...route,
  async handle(request: SandboxRequest, match): Promise<SandboxResponse> {
    const startedAt = performance.now();
    try {
      return await route.handle(request, match);
    } finally {
      state.handlingMs.push(performance.now() - startedAt);
    }
  },
});

/** Random ids in the providers' alphabets. */
export const randomId = (length: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789') =>
  Array.from(randomBytes(length), (byte) => alphabet[byte % alphabet.length]).join('');

/** The user-visible text of a request, for prompts' words and token counts. */
export const textOf = (value: unknown): string =>
  typeof value === 'string' ? value
  : Array.isArray(value) ? value.map(textOf).join('\n')
  : value && typeof value === 'object' ? textOf((value as { text?: unknown; content?: unknown; parts?: unknown }).text
    ?? (value as { content?: unknown }).content ?? (value as { parts?: unknown }).parts ?? '')
  : '';
