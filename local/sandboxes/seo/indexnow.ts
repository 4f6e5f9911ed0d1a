/**
 * IndexNow at api.indexnow.org (../shared/contracts/third-party-apis.md §4): `POST /indexnow` with
 * `{host,key,keyLocation?,urlList}` (and the single-URL `GET /indexnow?url&key`), checked as the documentation says:
 * 400 a malformed request (or more than 10,000 URLs), 422 URLs off `host` or a key that fails the schema, 403 a key
 * file that is missing or says something else, 429 a host posting too often. The bodies are Bing's
 * (`{"errorCode","message"}`); other engines send other bodies, which is why the adapter reads statuses only.
 *
 * The key file is checked the way the engines do it: fetched over HTTP from `keyLocation`, else
 * `https://<host>/<key>.txt`. Tests serve it from a local site (http://127.0.0.1:<port>/<key>.txt, named by
 * keyLocation); `npm start` serves whatever the local gateway serves. The first POST of a host+key pair is 202
 * (key validation pending) whatever the file says, as on the real service; later POSTs are 200, or 403 while the file
 * is wrong. A key stays bound to the first host that used it: another host posting it gets 403.
 */
import type { ProviderModule, SandboxRequest, SandboxResponse } from '../platforms/server.ts';

const MAX_URLS = 10_000;
const KEY = /^[a-zA-Z0-9-]{8,128}$/;
const KEY_FILE_TIMEOUT_MS = 2_000;

export class IndexNowSeoState {
  /** POSTs (or GETs) a host may make per minute before 429. */
  postsPerMinutePerHost = 60;
  private readonly keyHosts = new Map<string, string>();
  private readonly seen = new Set<string>();
  private readonly windows = new Map<string, { minute: number; posts: number }>();
  private readonly accepted = new Map<string, string[]>();
  /** Key files fetched (URL and whether it matched), for tests that check the engine looked. */
  readonly keyFileChecks: { url: string; matched: boolean }[] = [];
  /**
   * How the engine reads a site's key file (default: over HTTP, as the real engines do). A test whose site does not serve
   * the file itself swaps in what the site would answer.
   */
  fetchKeyFile: typeof fetch;
  constructor(readonly now: () => number, fetchKeyFile: typeof fetch = fetch) {
    this.fetchKeyFile = fetchKeyFile;
  }

  /** URLs the engine took for a host (in order received). */
  received(host: string): string[] {
    return this.accepted.get(host) ?? [];
  }

  reset(): void {
    this.postsPerMinutePerHost = 60;
    for (const map of [this.keyHosts, this.seen, this.windows, this.accepted]) map.clear();
    this.keyFileChecks.length = 0;
  }

  /** The answer to a submission, after the checks in the order the documentation lists them. */
  async submit(body: { host?: unknown; key?: unknown; keyLocation?: unknown; urlList?: unknown }): Promise<SandboxResponse> {
    const { host, key, keyLocation, urlList } = body;
    if (typeof host !== 'string' || !host || typeof key !== 'string' || (keyLocation !== undefined && typeof keyLocation !== 'string')
      || !Array.isArray(urlList) || urlList.length === 0 || urlList.length > MAX_URLS || !urlList.every((url) => typeof url === 'string')) {
      return error(400, 'InvalidRequestParameters', 'Invalid request parameters: host, key and a urlList of 1 to 10,000 URLs are required');
    }
    if (!KEY.test(key)) return error(422, 'InvalidKey', 'The key must be 8 to 128 characters of a-z, A-Z, 0-9 and -');
    if (keyLocation !== undefined && hostOf(keyLocation) !== host) return error(422, 'InvalidKeyLocation', 'The key location must be on the host');
    if (urlList.some((url) => hostOf(url) !== host)) return error(422, 'UrlsNotOnHost', `URLs must belong to the host ${host}`);
    const window = this.windows.get(host);
    const minute = Math.floor(this.now() / 60_000);
    if ((window?.minute === minute ? window.posts : 0) >= this.postsPerMinutePerHost) return error(429, 'TooManyRequests', 'Too many requests: potential spam');
    if (window?.minute === minute) window.posts += 1;
    else this.windows.set(host, { minute, posts: 1 });

    const boundTo = this.keyHosts.get(key);
    if (boundTo !== undefined && boundTo !== host) return forbidden();
    this.keyHosts.set(key, host);
    const pair = `${host}\n${key}`;
    const firstTime = !this.seen.has(pair);
    this.seen.add(pair);
    const matched = await this.keyFileMatches(typeof keyLocation === 'string' ? keyLocation : `https://${host}/${key}.txt`, key);
    if (!firstTime && !matched) return forbidden();
    this.accepted.set(host, [...this.received(host), ...urlList]);
    return { status: firstTime ? 202 : 200 };
  }

  private async keyFileMatches(url: string, key: string): Promise<boolean> {
    let matched = false;
    try {
      const response = await this.fetchKeyFile(url, { signal: AbortSignal.timeout(KEY_FILE_TIMEOUT_MS) });
      matched = response.status === 200 && (await response.text()).replace(/^\uFEFF/, '').trim() === key;
    } catch {
      matched = false;
    }
    this.keyFileChecks.push({ url, matched });
    return matched;
  }
}

const hostOf = (url: string) => (URL.canParse(url) && /^https?:$/.test(new URL(url).protocol) ? new URL(url).host : undefined);
const error = (status: number, errorCode: string, message: string): SandboxResponse => ({ status, body: { errorCode, message } });
const forbidden = () => error(403, 'UserForbiddedToAccessSite', 'User is unauthorized to access the site. Please verify the site using the key and try again.');

/** api.indexnow.org. */
export const indexNowSeo = (state: IndexNowSeoState): ProviderModule => () => [
  {
    method: 'POST', host: 'api.indexnow.org', path: '/indexnow',
    handle: (request: SandboxRequest) => {
      if (!/^application\/json/i.test(request.headers['content-type'] ?? '')) return error(400, 'InvalidRequestParameters', 'Content-Type must be application/json');
      const body = request.json();
      return typeof body === 'object' && body !== null ? state.submit(body) : error(400, 'InvalidRequestParameters', 'The body is not a JSON object');
    },
  },
  {
    method: 'GET', host: 'api.indexnow.org', path: '/indexnow',
    handle: ({ query }: SandboxRequest) => {
      const url = query.get('url') ?? undefined;
      return state.submit({ host: url === undefined ? undefined : hostOf(url), key: query.get('key') ?? undefined, keyLocation: query.get('keyLocation') ?? undefined, urlList: url === undefined ? [] : [url] });
    },
  },
];
