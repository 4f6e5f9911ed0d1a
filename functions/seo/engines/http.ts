import { SeoEngineError, type SearchEngineName, type UrlNotification, type UrlOutcome } from './port.ts';

const TIMEOUT_MS = 10_000;

/** An engine's answer: status, headers, the body as text and as JSON (undefined when it is not JSON). */
export interface EngineAnswer {
  status: number;
  headers: Headers;
  text: string;
  body: unknown;
}

/**
 * One HTTP call to an engine with a timeout. A network error is `unavailable`; any non-2xx answer goes to the adapter's
 * `classify`, which knows the engine's error bodies; what it leaves (undefined) falls to the common rules: 429 →
 * rate_limited (Retry-After, else `defaultRetryAfterSeconds`), 5xx → unavailable, other 4xx → bad_request.
 */
export async function engineCall(engine: SearchEngineName, url: string, init: RequestInit & { fetch?: typeof fetch; defaultRetryAfterSeconds: number },
  classify: (answer: EngineAnswer) => SeoEngineError | undefined): Promise<EngineAnswer> {
  const { fetch: fetchImpl = fetch, defaultRetryAfterSeconds, ...request } = init;
  let response: Response;
  let text: string;
  try {
    response = await fetchImpl(url, { ...request, signal: AbortSignal.timeout(TIMEOUT_MS) });
    text = await response.text();
  } catch (error) {
    throw new SeoEngineError(engine, 'unavailable', `${engine} could not be reached: ${error instanceof Error ? error.message : String(error)}`, {}, { cause: error });
  }
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  const answer = { status: response.status, headers: response.headers, text, body };
  if (response.ok) return answer;
  const classified = classify(answer);
  if (classified) throw classified;
  if (response.status === 429) {
    throw new SeoEngineError(engine, 'rate_limited', `${engine} is rate limiting us (429)`, { status: 429, retryAfterSeconds: retryAfter(response.headers) ?? defaultRetryAfterSeconds });
  }
  if (response.status >= 500) throw new SeoEngineError(engine, 'unavailable', `${engine} answered ${response.status}`, { status: response.status });
  throw new SeoEngineError(engine, 'bad_request', `${engine} answered ${response.status}: ${text.slice(0, 300)}`, { status: response.status });
}

/** Retry-After in seconds (the delta form; an HTTP date is read too), or undefined. */
export function retryAfter(headers: Headers): number | undefined {
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = /^\d+$/.test(value.trim()) ? Number(value) : Math.ceil((Date.parse(value) - Date.now()) / 1000);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}

/** The error an adapter caught, or `unavailable` for anything that is not a SeoEngineError (a bug shows as an outage, logged with its cause). */
export const asEngineError = (engine: SearchEngineName, error: unknown): SeoEngineError =>
  error instanceof SeoEngineError ? error : new SeoEngineError(engine, 'unavailable', `${engine}: ${error instanceof Error ? error.message : String(error)}`, {}, { cause: error });

/** The outcome of a URL the engine refused or never got: deferred when the error passes, rejected when it does not. */
export const failed = (notification: UrlNotification, error: SeoEngineError): UrlOutcome =>
  ({ ...notification, status: error.retryable ? 'deferred' : 'rejected', error });

/** The wall clock of `timeZone` at `ms`, read as if it were UTC (so its date and time fields are the zone's). */
function wallClockMs(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  }).formatToParts(ms);
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
}

/**
 * The next midnight in `timeZone` after `nowMs`, exact on daylight-saving days (the offset is read at the target, not
 * now): Google's quotas reset at midnight Pacific (`America/Los_Angeles`), Bing's, by our assumption, at midnight UTC.
 */
export function nextMidnight(nowMs: number, timeZone: string): Date {
  // Whole seconds: the wall clock has no milliseconds, so an offset taken against nowMs itself would carry them.
  const atSecond = Math.floor(nowMs / 1000) * 1000;
  const wall = new Date(wallClockMs(atSecond, timeZone));
  const targetWall = Date.UTC(wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate() + 1);
  const guess = targetWall - (wall.getTime() - atSecond);
  return new Date(targetWall - (wallClockMs(guess, timeZone) - guess));
}

export const PACIFIC = 'America/Los_Angeles';

/** Whether `url` is on `host` (exact) or, with `subdomains`, on one of its subdomains. */
export function onHost(url: string, host: string, subdomains = false): boolean {
  if (!URL.canParse(url)) return false;
  const { protocol, host: urlHost } = new URL(url);
  if (protocol !== 'https:' && protocol !== 'http:') return false;
  const want = host.toLowerCase();
  return urlHost === want || (subdomains && urlHost.endsWith(`.${want}`));
}
