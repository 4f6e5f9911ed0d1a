/**
 * Bing Webmaster URL Submission: `GetUrlSubmissionQuota` first (what is left today and this month), then
 * `SubmitUrlBatch` of at most 500 URLs, never more than the quota allows, since Bing refuses an oversized batch whole.
 *
 * Reset time: Bing documents none. We assume the daily quota comes back at midnight UTC and re-read it then (the
 * quota read is cheap and authoritative, so a wrong guess costs one early read, never a lost URL).
 */
import * as z from 'zod/mini';
import { asEngineError, engineCall, failed, nextMidnight, onHost, retryAfter, type EngineAnswer } from './http.ts';
import { SeoEngineError, type BingCredentials, type EngineOptions, type SearchEngine, type UrlOutcome } from './port.ts';

export const BING_MAX_URLS_PER_BATCH = 500;
const API_PATH = '/webmaster/api.svc/json';
/** Bing's throttling codes come without Retry-After. */
const THROTTLE_RETRY_SECONDS = 60;

/** Bing's ApiErrorCode (Microsoft.Bing.Webmaster.Api.Interfaces), the values we act on. */
const BING = { InternalError: 1, InvalidApiKey: 3, ThrottleUser: 4, ThrottleHost: 5, UserBlocked: 6, UserNotFound: 10, NotAllowed: 13, NotAuthorized: 14 } as const;

/** The Bing adapter. */
export function bingEngine(options: EngineOptions): SearchEngine<'bing'> {
  const now = options.now ?? Date.now;
  const api = `${options.hosts('ssl.bing.com')}${API_PATH}`;
  const call = (credentials: BingCredentials, url: string, init: RequestInit) =>
    engineCall('bing', url, { ...init, fetch: options.fetch, defaultRetryAfterSeconds: THROTTLE_RETRY_SECONDS }, (answer) => classifyAnswer(answer, credentials, now));

  async function readQuota(credentials: BingCredentials): Promise<{ daily: number; monthly: number }> {
    const { body } = await call(credentials, `${api}/GetUrlSubmissionQuota?${new URLSearchParams({ siteUrl: credentials.siteUrl, apikey: credentials.apiKey })}`, { method: 'GET' });
    const quota = QuotaResponse.safeParse(body);
    if (!quota.success) throw new SeoEngineError('bing', 'unavailable', 'Bing sent a quota we cannot read');
    return { daily: quota.data.d.DailyQuota, monthly: quota.data.d.MonthlyQuota };
  }

  return {
    name: 'bing',
    maxUrlsPerRequest: BING_MAX_URLS_PER_BATCH,
    async verify(credentials) {
      try {
        const { daily, monthly } = await readQuota(credentials);
        return { ok: true, details: `Bing accepts the API key for ${credentials.siteUrl}: ${daily} URLs left today, ${monthly} this month` };
      } catch (error) {
        const failure = asEngineError('bing', error);
        return { ok: false, details: failure.message, error: failure };
      }
    },
    async submit(urls, credentials, submitOptions = {}) {
      const resetsAt = nextMidnight(now(), 'UTC').toISOString();
      const siteHost = URL.canParse(credentials.siteUrl) ? new URL(credentials.siteUrl).host : credentials.siteUrl;
      const results: (UrlOutcome | undefined)[] = urls.map((notification) => onHost(notification.url, siteHost, true) ? undefined
        : failed(notification, new SeoEngineError('bing', 'bad_request', `${notification.url} is not on ${credentials.siteUrl}, the site of this Bing API key`)));
      const queue = results.flatMap((result, index) => (result ? [] : [index]));
      let requests = 0;
      let spent = 0;
      let quota: { daily: number; monthly: number } | undefined;
      let stoppedBy: SeoEngineError | undefined;
      try {
        requests += 1;
        quota = await readQuota(credentials);
      } catch (error) {
        stoppedBy = asEngineError('bing', error);
      }
      if (quota) {
        const allowed = Math.max(0, Math.min(quota.daily, quota.monthly, submitOptions.budget ?? Infinity));
        if (queue.length > allowed) {
          stoppedBy = new SeoEngineError('bing', 'quota_exhausted',
            `Bing's URL submission quota for ${credentials.siteUrl} allows ${allowed} more URLs (${quota.daily} today, ${quota.monthly} this month); the rest wait for the daily reset`,
            { retryAt: resetsAt });
        }
        const sendable = queue.slice(0, allowed);
        for (let start = 0; start < sendable.length; start += BING_MAX_URLS_PER_BATCH) {
          const batch = sendable.slice(start, start + BING_MAX_URLS_PER_BATCH);
          requests += 1;
          try {
            await call(credentials, `${api}/SubmitUrlBatch?${new URLSearchParams({ apikey: credentials.apiKey })}`, {
              method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' },
              body: JSON.stringify({ siteUrl: credentials.siteUrl, urlList: batch.map((index) => urls[index]!.url) }),
            });
            spent += batch.length;
            for (const index of batch) results[index] = { ...urls[index]!, status: 'accepted' };
          } catch (error) {
            const failure = asEngineError('bing', error);
            for (const index of batch) results[index] = failed(urls[index]!, failure);
            if (failure.kind !== 'bad_request') {
              stoppedBy = failure;
              break;
            }
          }
        }
      }
      return {
        engine: 'bing',
        results: urls.map((notification, index) => results[index] ?? failed(notification, stoppedBy!)),
        requests,
        quota: { spent, ...(quota ? { remaining: Math.max(0, quota.daily - spent) } : {}), resetsAt },
        ...(stoppedBy ? { stoppedBy } : {}),
      };
    },
  };
}

const QuotaResponse = z.object({ d: z.object({ DailyQuota: z.number(), MonthlyQuota: z.number() }) });
const BingError = z.object({ ErrorCode: z.number(), Message: z.optional(z.string()) });
/** Both forms Bing uses for a spent quota: "Quota remaining for today: 0, Submitted: N" and "You have exceeded your daily url submission quota : 100". */
const QUOTA_MESSAGE = /quota remaining for today|exceeded your daily url submission quota/i;

/** Bing's HTTP 400 `{"ErrorCode":n,"Message":"ERROR!!! …"}`, by message for the quota (its code varies: 2 or 8), else by code. */
function classifyAnswer({ status, headers, body }: EngineAnswer, { siteUrl }: BingCredentials, now: () => number): SeoEngineError | undefined {
  const parsed = BingError.safeParse(body);
  const fixKey = 'check the API key in Bing Webmaster Tools → Settings → API access (a regenerated key works after about 30 minutes)';
  const fixSite = `verify ${siteUrl} in Bing Webmaster Tools with the account whose API key this is, and check the API key`;
  if (!parsed.success) {
    if (status === 401) return new SeoEngineError('bing', 'invalid_credentials', `Bing refused the API key (401): ${fixKey}`, { status });
    if (status === 403) return new SeoEngineError('bing', 'not_verified', `Bing refused the site (403): ${fixSite}`, { status });
    return undefined;
  }
  const { ErrorCode: code, Message: message = `ErrorCode ${code}` } = parsed.data;
  const details = { status, engineCode: String(code) };
  if (QUOTA_MESSAGE.test(message)) {
    const retryAt = nextMidnight(now(), 'UTC').toISOString();
    return new SeoEngineError('bing', 'quota_exhausted', `Bing's daily URL submission quota for ${siteUrl} is spent (${message}); it is read again at ${retryAt}`, { ...details, retryAt });
  }
  if (code === BING.InvalidApiKey || code === BING.UserNotFound) return new SeoEngineError('bing', 'invalid_credentials', `Bing refused the API key (${message}): ${fixKey}`, details);
  if (code === BING.NotAuthorized || code === BING.NotAllowed || code === BING.UserBlocked) return new SeoEngineError('bing', 'not_verified', `Bing: ${message}. To fix it, ${fixSite}`, details);
  if (code === BING.ThrottleUser || code === BING.ThrottleHost) {
    return new SeoEngineError('bing', 'rate_limited', `Bing is throttling us (${message})`, { ...details, retryAfterSeconds: retryAfter(headers) ?? THROTTLE_RETRY_SECONDS });
  }
  if (code === BING.InternalError || status >= 500) return new SeoEngineError('bing', 'unavailable', `Bing failed (${message})`, details);
  return new SeoEngineError('bing', 'bad_request', `Bing refused the request (${message})`, details);
}
