import { ProviderError, type Platform } from './port.ts';

const TIMEOUT_MS = 10_000;

/** A provider's answer, parsed: status, headers and the body as JSON (undefined when it is not JSON). */
export interface ProviderAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

/**
 * One HTTP call to a provider: a timeout, the body parsed, and the failures every provider shares mapped to
 * ProviderError (network errors and 5xx → unavailable; 429 → rate_limited with Retry-After). Anything else non-2xx
 * goes first to the adapter's `classify`, which knows the provider's error body and returns the ProviderError to throw,
 * or undefined to leave the answer to the common rules above (a 2xx is returned; any other 4xx is a bad_response).
 */
export async function call(platform: Platform, url: string, init: RequestInit & { fetch?: typeof fetch },
  classify: (answer: ProviderAnswer) => ProviderError | undefined): Promise<ProviderAnswer> {
  let response: Response;
  try {
    response = await (init.fetch ?? fetch)(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    throw new ProviderError(platform, 'unavailable', `${platform} could not be reached: ${error instanceof Error ? error.message : String(error)}`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  const answer = { status: response.status, headers: response.headers, body };
  const classified = classify(answer);
  if (classified) throw classified;
  if (response.status === 429) {
    const retryAfter = Number(response.headers.get('retry-after'));
    throw new ProviderError(platform, 'rate_limited', `${platform} is rate limiting us`, { status: 429, ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}) });
  }
  if (response.status >= 500) throw new ProviderError(platform, 'unavailable', `${platform} answered ${response.status}`, { status: response.status });
  if (response.status >= 400) throw new ProviderError(platform, 'bad_response', `${platform} answered ${response.status}`, { status: response.status });
  return answer;
}

/** The form body of a token request. */
export const form = (fields: Record<string, string | undefined>) =>
  new URLSearchParams(Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined));

/** An absolute expiry from a provider's `expires_in` (seconds), or undefined when it gave none. */
export const expiresAt = (expiresIn: unknown, now: () => number = Date.now): string | undefined =>
  typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0 ? new Date(now() + expiresIn * 1000).toISOString() : undefined;
