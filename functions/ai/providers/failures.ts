/**
 * What the adapters share about failures: HTTP outcomes → AiProviderError kinds, Retry-After, and a fetch wrapper that
 * stops the SDKs' own retry loops where retrying cannot help.
 *
 * The SDKs (openai, @anthropic-ai/sdk) retry 408/409/429/5xx themselves, `maxRetries` times, honouring `retry-after-ms`
 * and `retry-after`. Two 429s must not be retried: a billing stop (OpenAI `insufficient_quota`, Anthropic spend limits)
 * and a wait longer than a Lambda should sit through. `finalFetch` marks those answers `x-should-retry: false`, the
 * SDKs' own opt-out header, so they surface at once. When retries are exhausted the error surfaces as `rate_limited` or
 * `unavailable` with `retryAfterSeconds` (when the provider gave one) for the job to defer itself.
 */
import { logger } from '../../_shared/logger.ts';
import { AiProviderError, type AiErrorKind, type AiProviderName } from './port.ts';

/** A Retry-After longer than this is not waited out inside the call: the job defers instead. */
export const MAX_INLINE_RETRY_WAIT_SECONDS = 10;

/** A failed HTTP exchange, normalised from an SDK's error class. */
export interface HttpFailure {
  /** Undefined: no answer at all (connection refused, timeout). */
  status?: number;
  headers?: Headers;
  requestId?: string;
  /** The provider's error code or type (`rate_limit_exceeded`, `overloaded_error`, `RESOURCE_EXHAUSTED`). */
  providerCode?: string;
  /** A 429 that is a billing stop, not a rate: retrying cannot help. */
  billing?: boolean;
  /** 400 that really is a bad key (Gemini answers API_KEY_INVALID with 400). */
  badKey?: boolean;
}

/** Seconds to wait from `retry-after-ms` or `retry-after` (seconds or an HTTP date), or undefined. */
export function retryAfterSeconds(headers: Headers | undefined, now = Date.now()): number | undefined {
  const ms = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return Math.ceil(ms / 1000);
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, Math.ceil((at - now) / 1000)) : undefined;
}

export function kindOf(failure: HttpFailure): AiErrorKind {
  const { status } = failure;
  if (status === undefined || status === 408 || status === 409 || status >= 500) return 'unavailable';
  if (status === 401 || status === 403 || failure.badKey) return 'invalid_key';
  // A billing stop needs an operator, as a revoked key does: it fails for good and users see a generic message.
  if (status === 429) return failure.billing ? 'invalid_key' : 'rate_limited';
  return 'bad_request';
}

const DESCRIPTIONS: Record<AiErrorKind, string> = {
  rate_limited: 'is rate limiting us',
  unavailable: 'is unavailable',
  invalid_key: 'refused our API key or account',
  bad_request: 'rejected the request',
  invalid_output: 'gave an unusable answer',
};

/**
 * The AiProviderError for a failed exchange. The message is ours (provider, status, the provider's code), never the
 * provider's text, which can quote the key; the SDK error stays as `cause` for the log. A key or billing problem is
 * logged here, once, for operators.
 */
export function providerFailure(provider: AiProviderName, failure: HttpFailure, cause: unknown): AiProviderError {
  const kind = kindOf(failure);
  const retryAfter = retryAfterSeconds(failure.headers);
  const what = failure.status === undefined ? 'could not be reached' : `answered ${failure.status}${failure.providerCode ? ` ${failure.providerCode}` : ''}`;
  const error = new AiProviderError(provider, kind, `${provider} ${DESCRIPTIONS[kind]}: it ${what}`, {
    ...(failure.status === undefined ? {} : { status: failure.status }),
    ...(retryAfter === undefined || (kind !== 'rate_limited' && kind !== 'unavailable') ? {} : { retryAfterSeconds: retryAfter }),
    ...(failure.requestId ? { requestId: failure.requestId } : {}),
    ...(failure.providerCode ? { providerCode: failure.providerCode } : {}),
  }, { cause });
  if (kind === 'invalid_key') {
    logger.error('AI provider refused our key or account: fix the key or the billing', { provider, status: failure.status, providerCode: failure.providerCode, requestId: failure.requestId });
  }
  return error;
}

/**
 * A fetch for the Stainless SDKs (openai, @anthropic-ai/sdk) that marks a 429 `x-should-retry: false` when it is a
 * billing stop (`isBilling` reads the error body) or asks for a wait above MAX_INLINE_RETRY_WAIT_SECONDS.
 */
export function finalFetch(isBilling: (body: unknown) => boolean, base: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const response = await base(input, init);
    if (response.status !== 429) return response;
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const wait = retryAfterSeconds(response.headers);
    const headers = new Headers(response.headers);
    if (isBilling(body) || (wait !== undefined && wait > MAX_INLINE_RETRY_WAIT_SECONDS)) headers.set('x-should-retry', 'false');
    return new Response(text, { status: response.status, statusText: response.statusText, headers });
  };
}

/** Milliseconds since `startedAt` (performance.now()), rounded. */
export const elapsedMs = (startedAt: number) => Math.round(performance.now() - startedAt);
