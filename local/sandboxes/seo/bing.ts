/**
 * Bing Webmaster URL Submission at ssl.bing.com (../shared/contracts/third-party-apis.md §4): `GetUrlSubmissionQuota`
 * (what is left today and this month), `SubmitUrlBatch` (≤ 500 URLs, refused whole when bigger than what is left) and
 * `SubmitUrl`. Errors are Bing's HTTP 400 `{"ErrorCode":n,"Message":"ERROR!!! …"}` with its ApiErrorCode values:
 * 3 InvalidApiKey, 14 NotAuthorized (a site the key's user has not verified), 7 InvalidUrl, 8 InvalidParameter, and
 * the two quota messages seen in the wild: "You have exceeded your daily url submission quota : N" (ErrorCode 2, none
 * left) and "Quota remaining for today: R, Submitted: N" (ErrorCode 8, a batch bigger than R).
 *
 * Days and months are UTC (our assumption about Bing's reset, shared with the adapter).
 */
import { randomBytes } from 'node:crypto';
import type { ProviderModule, SandboxRequest, SandboxResponse } from '../platforms/server.ts';

const MAX_BATCH = 500;

interface Site {
  siteUrl: string;
  dailyQuota: number;
  monthlyQuota: number;
  day: string;
  usedToday: number;
  month: string;
  usedThisMonth: number;
  received: string[];
}

export class BingSeoState {
  private readonly apiKeys = new Set<string>();
  private readonly sites = new Map<string, Site>();
  constructor(readonly now: () => number) {}

  /** A site verified in Bing Webmaster Tools by the user of `apiKey` (a new key unless given); returns the key. */
  register({ siteUrl, apiKey = randomBytes(16).toString('hex').toUpperCase(), dailyQuota = 100, monthlyQuota = 2800 }:
    { siteUrl: string; apiKey?: string; dailyQuota?: number; monthlyQuota?: number }): string {
    this.apiKeys.add(apiKey);
    this.sites.set(siteKey(apiKey, siteUrl), { siteUrl, dailyQuota, monthlyQuota, day: '', usedToday: 0, month: '', usedThisMonth: 0, received: [] });
    return apiKey;
  }

  /** Changes a site's quota (what Bing grants per day / month, before today's use). */
  setQuota(apiKey: string, siteUrl: string, quota: { dailyQuota?: number; monthlyQuota?: number }): void {
    const site = this.sites.get(siteKey(apiKey, siteUrl));
    if (!site) throw new Error(`no site ${siteUrl} for that key: register it first`);
    Object.assign(site, quota);
  }

  /** URLs Bing took for the site. */
  received(apiKey: string, siteUrl: string): string[] {
    return this.sites.get(siteKey(apiKey, siteUrl))?.received ?? [];
  }

  reset(): void {
    this.apiKeys.clear();
    this.sites.clear();
  }

  /** The site, its day and month rolled over, or Bing's error for the key and site. */
  site(apiKey: string | null, siteUrl: unknown): Site | SandboxResponse {
    if (!apiKey || !this.apiKeys.has(apiKey)) return bingError(3, 'InvalidApiKey');
    if (typeof siteUrl !== 'string' || !URL.canParse(siteUrl)) return bingError(8, 'InvalidParameter');
    const site = this.sites.get(siteKey(apiKey, siteUrl));
    if (!site) return bingError(14, 'NotAuthorized');
    const iso = new Date(this.now()).toISOString();
    if (site.day !== iso.slice(0, 10)) Object.assign(site, { day: iso.slice(0, 10), usedToday: 0 });
    if (site.month !== iso.slice(0, 7)) Object.assign(site, { month: iso.slice(0, 7), usedThisMonth: 0 });
    return site;
  }

  submit(apiKey: string | null, body: unknown, single: boolean): SandboxResponse {
    const { siteUrl, urlList, url } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const site = this.site(apiKey, siteUrl);
    if (!isSite(site)) return site;
    const urls = single ? (typeof url === 'string' ? [url] : undefined) : urlList;
    if (!Array.isArray(urls) || urls.length === 0 || urls.length > MAX_BATCH || !urls.every((u) => typeof u === 'string')) return bingError(8, 'InvalidParameter');
    const host = new URL(site.siteUrl).host;
    if (urls.some((u) => !URL.canParse(u) || (new URL(u).host !== host && !new URL(u).host.endsWith(`.${host}`)))) return bingError(7, 'InvalidUrl');
    const left = remaining(site);
    if (left.today === 0) return bingError(2, `You have exceeded your daily url submission quota : ${site.dailyQuota}`);
    if (urls.length > Math.min(left.today, left.month)) return bingError(8, `Quota remaining for today: ${left.today}, Submitted: ${urls.length}`);
    site.usedToday += urls.length;
    site.usedThisMonth += urls.length;
    site.received.push(...urls);
    return { status: 200, body: { d: null } };
  }
}

const siteKey = (apiKey: string, siteUrl: string) => `${apiKey}\n${URL.canParse(siteUrl) ? new URL(siteUrl).href : siteUrl}`;
const isSite = (value: Site | SandboxResponse): value is Site => 'siteUrl' in value;
const remaining = (site: Site) => ({ today: Math.max(0, site.dailyQuota - site.usedToday), month: Math.max(0, site.monthlyQuota - site.usedThisMonth) });
const bingError = (code: number, message: string): SandboxResponse => ({ status: 400, body: { ErrorCode: code, Message: `ERROR!!! ${message}` } });

/** ssl.bing.com/webmaster/api.svc/json/… */
export const bingSeo = (state: BingSeoState): ProviderModule => () => [
  {
    method: 'GET', host: 'ssl.bing.com', path: '/webmaster/api.svc/json/GetUrlSubmissionQuota',
    handle: ({ query }: SandboxRequest) => {
      const site = state.site(query.get('apikey'), query.get('siteUrl'));
      if (!isSite(site)) return site;
      const left = remaining(site);
      return { status: 200, body: { d: { __type: 'UrlSubmissionQuota:#Microsoft.Bing.Webmaster.Api', DailyQuota: left.today, MonthlyQuota: left.month } } };
    },
  },
  // Bing's docs spell it SubmitUrlBatch and SubmitUrlbatch; both are served.
  ...['/webmaster/api.svc/json/SubmitUrlBatch', '/webmaster/api.svc/json/SubmitUrlbatch'].map((path) => ({
    method: 'POST' as const, host: 'ssl.bing.com', path,
    handle: (request: SandboxRequest) => state.submit(request.query.get('apikey'), request.json(), false),
  })),
  {
    method: 'POST', host: 'ssl.bing.com', path: '/webmaster/api.svc/json/SubmitUrl',
    handle: (request: SandboxRequest) => state.submit(request.query.get('apikey'), request.json(), true),
  },
];
