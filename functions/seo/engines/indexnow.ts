/**
 * IndexNow: one JSON POST of up to 10,000 URLs of one host to api.indexnow.org, which shares them with Bing, Yandex,
 * Seznam, Naver and the others. Ownership is the key file the site serves at `https://<host>/<key>.txt` (or at
 * `keyLocation` on the same host); there is no account and no quota, only 429 for a site that posts too often.
 */
import { asEngineError, engineCall, failed, onHost, type EngineAnswer } from './http.ts';
import { SeoEngineError, type EngineOptions, type IndexNowCredentials, type SearchEngine, type UrlOutcome } from './port.ts';

export const INDEXNOW_MAX_URLS_PER_POST = 10_000;
const KEY = /^[a-zA-Z0-9-]{8,128}$/;
/** IndexNow documents no window for its 429 ("too many requests, potential spam") and sends no Retry-After: back off long. */
const RATE_LIMIT_RETRY_SECONDS = 600;
const KEY_FILE_TIMEOUT_MS = 5_000;

/** The IndexNow adapter, posting to api.indexnow.org (through the host resolver). */
export function indexNowEngine(options: EngineOptions): SearchEngine<'indexnow'> {
  const endpoint = `${options.hosts('api.indexnow.org')}/indexnow`;

  return {
    name: 'indexnow',
    maxUrlsPerRequest: INDEXNOW_MAX_URLS_PER_POST,
    async verify(credentials) {
      const problem = credentialsProblem(credentials);
      if (problem) return { ok: false, details: problem.message, error: problem };
      const location = keyFileUrl(credentials);
      // The site is not an engine: its URL is fetched as is, never through the host resolver.
      let answer: { status: number; text: string };
      try {
        const response = await (options.fetch ?? fetch)(location, { redirect: 'follow', signal: AbortSignal.timeout(KEY_FILE_TIMEOUT_MS) });
        answer = { status: response.status, text: await response.text() };
      } catch (error) {
        const failure = new SeoEngineError('indexnow', 'unavailable', `The key file at ${location} could not be fetched: ${error instanceof Error ? error.message : String(error)}`, {}, { cause: error });
        return { ok: false, details: failure.message, error: failure };
      }
      if (answer.status === 200 && keyFileMatches(answer.text, credentials.key)) return { ok: true, details: `${location} serves the key` };
      const found = answer.status === 200 ? 'it serves other text' : `it answers ${answer.status}`;
      const failure = notVerified(credentials, `${location}: ${found}`);
      return { ok: false, details: failure.message, error: failure };
    },
    async submit(urls, credentials) {
      const problem = credentialsProblem(credentials);
      const results: (UrlOutcome | undefined)[] = urls.map((notification) => {
        if (problem) return failed(notification, problem);
        // The key proves one host: URLs of another would make the engine refuse the whole POST (422).
        return onHost(notification.url, credentials.host) ? undefined
          : failed(notification, new SeoEngineError('indexnow', 'bad_request', `${notification.url} is not on ${credentials.host}, the host of this IndexNow key`));
      });
      const queue = results.flatMap((result, index) => (result ? [] : [index]));
      let requests = 0;
      let stoppedBy: SeoEngineError | undefined;
      for (let start = 0; start < queue.length && !stoppedBy; start += INDEXNOW_MAX_URLS_PER_POST) {
        const chunk = queue.slice(start, start + INDEXNOW_MAX_URLS_PER_POST);
        requests += 1;
        try {
          const { status } = await engineCall('indexnow', endpoint, {
            method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' },
            body: JSON.stringify({
              host: credentials.host, key: credentials.key, ...(credentials.keyLocation ? { keyLocation: credentials.keyLocation } : {}),
              urlList: chunk.map((index) => urls[index]!.url),
            }),
            fetch: options.fetch, defaultRetryAfterSeconds: RATE_LIMIT_RETRY_SECONDS,
          }, (answer) => classifyAnswer(answer, credentials));
          // 202: received, the key file not checked yet; a missing file shows as 403 on a later POST.
          const detail = status === 202 ? 'accepted, key validation pending (202)' : undefined;
          for (const index of chunk) results[index] = { ...urls[index]!, status: 'accepted', ...(detail ? { detail } : {}) };
        } catch (error) {
          const failure = asEngineError('indexnow', error);
          for (const index of chunk) results[index] = failed(urls[index]!, failure);
          if (failure.kind !== 'bad_request') stoppedBy = failure;
        }
      }
      return {
        engine: 'indexnow',
        results: urls.map((notification, index) => results[index] ?? failed(notification, stoppedBy!)),
        requests,
        ...(stoppedBy ? { stoppedBy } : {}),
      };
    },
  };
}

/** Where the engines look for the key file. */
export const keyFileUrl = ({ key, keyLocation, host }: IndexNowCredentials) => keyLocation ?? `https://${host}/${key}.txt`;

/** The file's body is the key; a BOM or a trailing newline (what editors add) is tolerated. */
export const keyFileMatches = (text: string, key: string) => text.replace(/^\uFEFF/, '').trim() === key;

function credentialsProblem(credentials: IndexNowCredentials): SeoEngineError | undefined {
  if (!KEY.test(credentials.key)) {
    return new SeoEngineError('indexnow', 'invalid_credentials', 'The IndexNow key must be 8 to 128 letters, digits or dashes: generate a new key and serve it at https://<your host>/<key>.txt');
  }
  if (credentials.keyLocation && !onHost(credentials.keyLocation, credentials.host)) {
    return new SeoEngineError('indexnow', 'invalid_credentials', `The key location ${credentials.keyLocation} must be on ${credentials.host}: IndexNow only reads the key file from the host it proves`);
  }
  return undefined;
}

const notVerified = (credentials: IndexNowCredentials, found: string, details = {}) => new SeoEngineError('indexnow', 'not_verified',
  `The IndexNow key was not found (${found}): serve the key file at ${keyFileUrl(credentials)} with exactly the key ${credentials.key} as its only content (text/plain, UTF-8)`, details);

const errorCodeOf = (body: unknown) => {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).errorCode ?? (body as Record<string, unknown>).code : undefined;
  return typeof value === 'string' ? value : undefined;
};

/**
 * IndexNow's answers, by status (the bodies differ by engine: Bing's `{"errorCode","message"}`, others none): 403 the
 * key file (missing, or other content; Bing also says it, as UserForbiddedToAccessSite, for a key first used by
 * another host), 422 URLs off the host or a key that fails the schema, 400 a malformed request.
 */
function classifyAnswer({ status, body, text }: EngineAnswer, credentials: IndexNowCredentials): SeoEngineError | undefined {
  const engineCode = errorCodeOf(body);
  const details = { status, ...(engineCode ? { engineCode } : {}) };
  if (status === 403) return notVerified(credentials, `the engine answered 403${engineCode ? ` ${engineCode}` : ''}`, details);
  if (status === 422) return new SeoEngineError('indexnow', 'bad_request', `IndexNow refused the URLs (422: URLs not on ${credentials.host}, or the key fails the schema): ${text.slice(0, 300)}`, details);
  if (status === 400) return new SeoEngineError('indexnow', 'bad_request', `IndexNow refused the request as malformed (400): ${text.slice(0, 300)}`, details);
  return undefined;
}
