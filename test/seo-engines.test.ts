import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bingEngine } from '../functions/seo/engines/bing.ts';
import { googleEngine, inProperty, parseServiceAccountKey } from '../functions/seo/engines/google.ts';
import { nextMidnight, PACIFIC } from '../functions/seo/engines/http.ts';
import { indexNowEngine } from '../functions/seo/engines/indexnow.ts';
import { sandboxHosts, SeoEngineError, type GoogleCredentials, type SearchEngine, type UrlNotification, type UrlOutcome } from '../functions/seo/engines/port.ts';
import { startSeoSandbox, type SeoSandbox, type ServiceAccountJson } from '../local/sandboxes/seo/index.ts';

/** 15:00 UTC is 08:00 in Los Angeles (PDT): Google's quota resets at 07:00 UTC tomorrow, Bing's (by our assumption) at 00:00 UTC. */
const START_MS = Date.parse('2026-03-10T15:00:00Z');
const NEXT_PACIFIC_MIDNIGHT = '2026-03-11T07:00:00.000Z';
const NEXT_UTC_MIDNIGHT = '2026-03-11T00:00:00.000Z';
const SITE = 'https://www.example.com/';
const PROJECT = 'streamvibe-seo';

let nowMs = START_MS;
const now = () => nowMs;
let sandbox: SeoSandbox;
let account: ServiceAccountJson;
let stranger: ServiceAccountJson;
/** The creator's site for IndexNow: serves whatever a test puts in `siteFiles` (path → body). */
let site: Server;
let siteHost: string;
const siteFiles = new Map<string, string>();

beforeAll(async () => {
  sandbox = await startSeoSandbox({ now });
  account = sandbox.google.serviceAccount();
  stranger = sandbox.google.serviceAccount({ name: 'stranger' });
  site = createServer((req, res) => {
    const body = siteFiles.get(req.url ?? '');
    if (body === undefined) res.writeHead(404).end('not found');
    else res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteHost = `127.0.0.1:${(site.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await sandbox.stop();
  site.closeAllConnections();
  await new Promise((resolve) => site.close(resolve));
});
beforeEach(() => {
  nowMs = START_MS;
  sandbox.reset();
  siteFiles.clear();
});

const pages = (count: number, origin = 'https://www.example.com', type: UrlNotification['type'] = 'updated'): UrlNotification[] =>
  Array.from({ length: count }, (_, i) => ({ url: `${origin}/c/creator/${i}`, type }));
const statuses = (results: UrlOutcome[]) => results.reduce<Record<string, number>>((counts, r) => ({ ...counts, [r.status]: (counts[r.status] ?? 0) + 1 }), {});
const errorOf = (result: UrlOutcome | undefined): SeoEngineError => {
  expect(result?.status).not.toBe('accepted');
  return (result as { error: SeoEngineError }).error;
};

describe('nextMidnight (functions/seo/engines/http.ts): when daily quotas come back', () => {
  it('is the next 00:00 in the zone, exact on the day clocks spring forward and fall back', () => {
    expect(nextMidnight(START_MS, PACIFIC).toISOString()).toBe(NEXT_PACIFIC_MIDNIGHT);
    expect(nextMidnight(START_MS, 'UTC').toISOString()).toBe(NEXT_UTC_MIDNIGHT);
    // 00:30 PST on 8 March 2026; at 02:00 clocks go to PDT, so the next midnight is 23 hours away, not 23.5.
    expect(nextMidnight(Date.parse('2026-03-08T08:30:00Z'), PACIFIC).toISOString()).toBe('2026-03-09T07:00:00.000Z');
    // 00:30 PDT on 1 November 2026; clocks fall back at 02:00: 24.5 hours to the next midnight (PST).
    expect(nextMidnight(Date.parse('2026-11-01T07:30:00Z'), PACIFIC).toISOString()).toBe('2026-11-02T08:00:00.000Z');
  });
});

describe('googleEngine (functions/seo/engines/google.ts) against the Google sandbox', () => {
  let google: SearchEngine<'google'>;
  const credentials = (key: ServiceAccountJson = account, siteUrl = SITE): GoogleCredentials =>
    ({ serviceAccount: parseServiceAccountKey(JSON.stringify(key)), siteUrl });
  beforeEach(() => {
    google = googleEngine({ hosts: sandboxHosts(sandbox.url), now });
  });

  it('publishes each URL once (URL_UPDATED / URL_DELETED) with one cached token, and counts the publishes', async () => {
    sandbox.google.own(account.client_email, SITE);
    const urls = [...pages(4), { url: 'https://www.example.com/c/creator/gone', type: 'deleted' as const }];

    const result = await google.submit(urls, credentials());

    expect(result.results.map((r) => r.status)).toEqual(Array(5).fill('accepted'));
    expect(result).toMatchObject({ requests: 6, quota: { spent: 5, dailyLimit: 200, resetsAt: NEXT_PACIFIC_MIDNIGHT } });
    expect(result.stoppedBy).toBeUndefined();
    expect(sandbox.calls({ host: 'indexing.googleapis.com', path: '/v3/urlNotifications:publish' })).toHaveLength(5);
    expect(sandbox.google.publishesToday(PROJECT)).toBe(5);
    expect(sandbox.google.notifications.get('https://www.example.com/c/creator/gone')?.latestRemove?.type).toBe('URL_DELETED');
    expect(sandbox.google.notifications.get('https://www.example.com/c/creator/0')?.latestUpdate?.type).toBe('URL_UPDATED');

    await google.submit(pages(1), credentials());
    expect(sandbox.calls({ host: 'oauth2.googleapis.com' })).toHaveLength(1);
    nowMs += 3600_000;
    await google.submit(pages(1), credentials());
    expect(sandbox.calls({ host: 'oauth2.googleapis.com' })).toHaveLength(2);
  });

  it('signs the JWT with the account key: another key is refused by the sandbox (Invalid JWT Signature.) → invalid_credentials, nothing published', async () => {
    sandbox.google.own(account.client_email, SITE);
    const forged = { ...account, private_key: stranger.private_key };

    const result = await google.submit(pages(3), credentials(forged));

    expect(sandbox.calls({ host: 'oauth2.googleapis.com' })[0]?.status).toBe(400);
    expect(sandbox.calls({ host: 'indexing.googleapis.com' })).toHaveLength(0);
    expect(statuses(result.results)).toEqual({ rejected: 3 });
    expect(result.stoppedBy).toMatchObject({ kind: 'invalid_credentials', details: { status: 400, engineCode: 'invalid_grant' } });
    expect(result.stoppedBy?.message).toContain('Invalid JWT Signature.');
    expect(result.stoppedBy?.message).toContain(`Create a new JSON key for the service account`);
    expect(result.quota?.spent).toBe(0);
  });

  it('after 200 publishes today: quota_exhausted with retryAt the next midnight Pacific, the rest deferred; the next day works again', async () => {
    sandbox.google.own(account.client_email, SITE);

    const result = await google.submit(pages(205), credentials());

    expect(statuses(result.results)).toEqual({ accepted: 200, deferred: 5 });
    expect(result.stoppedBy).toMatchObject({ kind: 'quota_exhausted', details: { status: 429, engineCode: 'RESOURCE_EXHAUSTED', retryAt: NEXT_PACIFIC_MIDNIGHT } });
    expect(errorOf(result.results[204]).details.retryAt).toBe(NEXT_PACIFIC_MIDNIGHT);
    expect(result.quota?.spent).toBe(200);
    // The publishes in flight when the quota ran out (at most the concurrency) got 429; nothing was sent after.
    const refused = sandbox.calls({ path: '/v3/urlNotifications:publish' }).filter((c) => c.status === 429).length;
    expect(refused).toBeGreaterThanOrEqual(1);
    expect(refused).toBeLessThanOrEqual(4);

    nowMs = Date.parse(NEXT_PACIFIC_MIDNIGHT) + 1000;
    expect(statuses((await google.submit(pages(1), credentials())).results)).toEqual({ accepted: 1 });
  });

  it("stops at the caller's budget without sending: the rest deferred as quota_exhausted", async () => {
    sandbox.google.own(account.client_email, SITE);

    const result = await google.submit(pages(3), credentials(), { budget: 2 });

    expect(statuses(result.results)).toEqual({ accepted: 2, deferred: 1 });
    expect(result.quota).toMatchObject({ spent: 2, remaining: 0 });
    expect(errorOf(result.results[2])).toMatchObject({ kind: 'quota_exhausted', details: { retryAt: NEXT_PACIFIC_MIDNIGHT } });
    expect(sandbox.calls({ path: '/v3/urlNotifications:publish' })).toHaveLength(2);
  });

  it('a per-minute 429 is rate_limited (a minute, or Retry-After when sent)', async () => {
    sandbox.google.own(account.client_email, SITE);
    sandbox.google.setQuota(PROJECT, { requestsPerMinute: 2 });

    const perMinute = await google.submit(pages(4), credentials());

    expect(perMinute.results.filter((r) => r.status === 'accepted')).toHaveLength(2);
    expect(perMinute.stoppedBy).toMatchObject({ kind: 'rate_limited', details: { status: 429, retryAfterSeconds: 60 } });

    nowMs += 60_000;
    sandbox.inject({ host: 'indexing.googleapis.com', path: '/v3/urlNotifications:publish', status: 429, headers: { 'retry-after': '17' },
      body: { error: { code: 429, message: 'Quota exceeded for quota metric \'Queries\' and limit \'Queries per minute\'', status: 'RESOURCE_EXHAUSTED' } } });
    const withHeader = await google.submit(pages(1), credentials());
    expect(withHeader.stoppedBy).toMatchObject({ kind: 'rate_limited', details: { retryAfterSeconds: 17 } });
  });

  it('403 for a site the account does not own → not_verified saying whom to add as owner of which property; URLs off the property never leave', async () => {
    const result = await google.submit([...pages(2), { url: 'https://elsewhere.example.org/x', type: 'updated' }], credentials());

    expect(result.results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(result.stoppedBy).toMatchObject({ kind: 'not_verified', details: { status: 403, engineCode: 'PERMISSION_DENIED' } });
    expect(result.stoppedBy?.retryable).toBe(false);
    expect(result.stoppedBy?.message).toContain(`Add the service account ${account.client_email} as an owner of the Search Console property ${SITE}`);
    expect(errorOf(result.results[2])).toMatchObject({ kind: 'bad_request' });
    expect(sandbox.calls({ path: '/v3/urlNotifications:publish' }).length).toBeLessThanOrEqual(2);

    sandbox.google.own(account.client_email, SITE);
    sandbox.inject({ host: 'indexing.googleapis.com', path: '/v3/urlNotifications:publish', status: 403, body: { error: { code: 403, status: 'PERMISSION_DENIED',
      message: 'Web Search Indexing API has not been used in project 123 before or it is disabled.', details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'SERVICE_DISABLED' }] } } });
    const disabled = await google.submit(pages(1), credentials());
    expect(disabled.stoppedBy?.message).toContain(`enable indexing.googleapis.com in the Google Cloud project of ${account.client_email}`);
  });

  it('a revoked token (401) gets one new token and the publish is retried; a 5xx is unavailable and deferred', async () => {
    sandbox.google.own(account.client_email, SITE);
    await google.submit(pages(1), credentials());
    sandbox.google.tokens.clear();

    const retried = await google.submit(pages(1), credentials());

    expect(statuses(retried.results)).toEqual({ accepted: 1 });
    expect(sandbox.calls({ host: 'oauth2.googleapis.com' })).toHaveLength(2);
    sandbox.inject({ host: 'indexing.googleapis.com', path: '/v3/urlNotifications:publish', status: 503, body: { error: { code: 503, status: 'UNAVAILABLE', message: 'The service is currently unavailable.' } } });
    const outage = await google.submit(pages(2), credentials(), {});
    expect(outage.stoppedBy).toMatchObject({ kind: 'unavailable', retryable: true });
    expect(outage.results.some((r) => r.status === 'deferred')).toBe(true);
  });

  it('verify(): a token and a metadata read of the site root (404 = owner, never notified); not an owner → not_verified; a deleted key → invalid_credentials', async () => {
    sandbox.google.own(account.client_email, 'sc-domain:example.com');
    expect(await google.verify(credentials(account, 'sc-domain:example.com'))).toMatchObject({ ok: true });
    expect(sandbox.calls({ host: 'indexing.googleapis.com', path: '/v3/urlNotifications/metadata' })[0]).toMatchObject({ method: 'GET', status: 404 });
    expect(sandbox.google.publishesToday(PROJECT)).toBe(0);

    const notOwner = await google.verify(credentials(account, 'https://other.example.net/'));
    expect(notOwner).toMatchObject({ ok: false, error: { kind: 'not_verified' } });
    expect(notOwner.details).toContain('as an owner of the Search Console property https://other.example.net/');

    const key = sandbox.google.serviceAccount({ name: 'rotated' });
    sandbox.google.own(key.client_email, SITE);
    sandbox.google.deleteKey(key);
    expect(await google.verify(credentials(key))).toMatchObject({ ok: false, error: { kind: 'invalid_credentials', details: { engineCode: 'invalid_grant' } } });
  });

  it('parseServiceAccountKey names what is wrong with a pasted key; inProperty follows Search Console property rules', () => {
    expect(() => parseServiceAccountKey('not json')).toThrow(SeoEngineError);
    expect(() => parseServiceAccountKey(JSON.stringify({ ...account, private_key: undefined }))).toThrow(/no valid private_key/);
    expect(inProperty('https://www.example.com/a', SITE)).toBe(true);
    expect(inProperty('https://example.com/a', SITE)).toBe(false);
    expect(inProperty('https://blog.example.com/a', 'sc-domain:example.com')).toBe(true);
    expect(inProperty('https://notexample.com/a', 'sc-domain:example.com')).toBe(false);
  });
});

describe('indexNowEngine (functions/seo/engines/indexnow.ts) against the IndexNow sandbox, with the key file on a local site', () => {
  const key = 'a1b2c3d4e5f60718';
  let indexnow: SearchEngine<'indexnow'>;
  const credentials = () => ({ key, host: siteHost, keyLocation: `http://${siteHost}/${key}.txt` });
  beforeEach(() => {
    indexnow = indexNowEngine({ hosts: sandboxHosts(sandbox.url), now });
  });

  it('10,001 URLs of one host → 2 POSTs (10,000 + 1), all accepted; the first is 202 (key validation pending), the second 200', async () => {
    siteFiles.set(`/${key}.txt`, `${key}\n`);

    const result = await indexnow.submit(pages(10_001, `http://${siteHost}`), credentials());

    expect(result.requests).toBe(2);
    expect(sandbox.calls({ host: 'api.indexnow.org' }).map((c) => c.status)).toEqual([202, 200]);
    expect(statuses(result.results)).toEqual({ accepted: 10_001 });
    expect(result.results[0]).toMatchObject({ detail: expect.stringContaining('202') });
    expect(result.results[10_000]).not.toHaveProperty('detail');
    expect(sandbox.indexnow.received(siteHost)).toHaveLength(10_001);
    expect(sandbox.indexnow.keyFileChecks).toEqual([{ url: `http://${siteHost}/${key}.txt`, matched: true }, { url: `http://${siteHost}/${key}.txt`, matched: true }]);
    expect(result.quota).toBeUndefined();
  });

  it('a key file that is missing: 202 on the first POST, then 403 → not_verified saying where to serve which key', async () => {
    await indexnow.submit(pages(1, `http://${siteHost}`), credentials());

    const result = await indexnow.submit(pages(2, `http://${siteHost}`), credentials());

    expect(statuses(result.results)).toEqual({ rejected: 2 });
    expect(result.stoppedBy).toMatchObject({ kind: 'not_verified', details: { status: 403, engineCode: 'UserForbiddedToAccessSite' } });
    expect(result.stoppedBy?.message).toContain(`serve the key file at http://${siteHost}/${key}.txt with exactly the key ${key}`);
  });

  it('429 → rate_limited: the default wait without Retry-After, the header when sent', async () => {
    siteFiles.set(`/${key}.txt`, key);
    sandbox.indexnow.postsPerMinutePerHost = 1;
    await indexnow.submit(pages(1, `http://${siteHost}`), credentials());

    const limited = await indexnow.submit(pages(1, `http://${siteHost}`), credentials());

    expect(limited.stoppedBy).toMatchObject({ kind: 'rate_limited', details: { status: 429, retryAfterSeconds: 600 } });
    expect(limited.results[0]?.status).toBe('deferred');
    sandbox.inject({ host: 'api.indexnow.org', path: '/indexnow', status: 429, headers: { 'retry-after': '120' } });
    expect((await indexnow.submit(pages(1, `http://${siteHost}`), credentials())).stoppedBy?.details.retryAfterSeconds).toBe(120);
  });

  it('URLs of another host are rejected before sending; a 422 from the engine is bad_request for its POST only', async () => {
    siteFiles.set(`/${key}.txt`, key);
    const result = await indexnow.submit([...pages(1, `http://${siteHost}`), ...pages(1, 'https://www.example.com')], credentials());
    expect(result.results.map((r) => r.status)).toEqual(['accepted', 'rejected']);
    expect(errorOf(result.results[1]).kind).toBe('bad_request');

    sandbox.inject({ host: 'api.indexnow.org', path: '/indexnow', status: 422, body: { errorCode: 'UrlsNotOnHost', message: 'URLs must belong to the host' } });
    const refused = await indexnow.submit(pages(1, `http://${siteHost}`), credentials());
    expect(errorOf(refused.results[0])).toMatchObject({ kind: 'bad_request', details: { status: 422 } });
    expect(refused.stoppedBy).toBeUndefined();
  });

  it('verify(): fetches the key file and compares it; other text → not_verified; a malformed key → invalid_credentials without a fetch', async () => {
    siteFiles.set(`/${key}.txt`, key);
    expect(await indexnow.verify(credentials())).toMatchObject({ ok: true });

    siteFiles.set(`/${key}.txt`, 'some-other-key');
    const wrong = await indexnow.verify(credentials());
    expect(wrong).toMatchObject({ ok: false, error: { kind: 'not_verified' } });
    expect(wrong.details).toContain('it serves other text');

    expect(await indexnow.verify({ ...credentials(), key: 'short' })).toMatchObject({ ok: false, error: { kind: 'invalid_credentials' } });
    expect(await indexnow.verify({ key, host: siteHost, keyLocation: `https://elsewhere.example/${key}.txt` })).toMatchObject({ ok: false, error: { kind: 'invalid_credentials' } });
    expect(sandbox.calls()).toHaveLength(0);
  });
});

describe('bingEngine (functions/seo/engines/bing.ts) against the Bing sandbox', () => {
  let bing: SearchEngine<'bing'>;
  beforeEach(() => {
    bing = bingEngine({ hosts: sandboxHosts(sandbox.url), now });
  });

  it('reads the quota, then SubmitUrlBatch in batches of at most 500: 1,200 URLs with 2,000 left → 1 quota read + 3 batches', async () => {
    const apiKey = sandbox.bing.register({ siteUrl: SITE, dailyQuota: 2000, monthlyQuota: 10_000 });

    const result = await bing.submit(pages(1200), { apiKey, siteUrl: SITE });

    expect(statuses(result.results)).toEqual({ accepted: 1200 });
    expect(result).toMatchObject({ requests: 4, quota: { spent: 1200, remaining: 800, resetsAt: NEXT_UTC_MIDNIGHT } });
    expect(sandbox.calls({ host: 'ssl.bing.com' }).map((c) => c.path)).toEqual([
      '/webmaster/api.svc/json/GetUrlSubmissionQuota', ...Array(3).fill('/webmaster/api.svc/json/SubmitUrlBatch'),
    ]);
    expect(sandbox.bing.received(apiKey, SITE)).toHaveLength(1200);
  });

  it('sends no more than the quota: 10 URLs with 3 left → 3 accepted, 7 deferred until midnight UTC', async () => {
    const apiKey = sandbox.bing.register({ siteUrl: SITE, dailyQuota: 3 });

    const result = await bing.submit(pages(10), { apiKey, siteUrl: SITE });

    expect(statuses(result.results)).toEqual({ accepted: 3, deferred: 7 });
    expect(result.stoppedBy).toMatchObject({ kind: 'quota_exhausted', details: { retryAt: NEXT_UTC_MIDNIGHT } });
    expect(result.quota).toMatchObject({ spent: 3, remaining: 0 });
  });

  it('quota 0 → quota_exhausted without a SubmitUrlBatch; the day after midnight UTC the quota is back', async () => {
    const apiKey = sandbox.bing.register({ siteUrl: SITE, dailyQuota: 0 });

    const spent = await bing.submit(pages(2), { apiKey, siteUrl: SITE });

    expect(statuses(spent.results)).toEqual({ deferred: 2 });
    expect(spent.stoppedBy).toMatchObject({ kind: 'quota_exhausted', details: { retryAt: NEXT_UTC_MIDNIGHT } });
    expect(sandbox.calls({ path: '/webmaster/api.svc/json/SubmitUrlBatch' })).toHaveLength(0);

    sandbox.bing.setQuota(apiKey, SITE, { dailyQuota: 5 });
    nowMs = Date.parse(NEXT_UTC_MIDNIGHT) + 1000;
    expect(statuses((await bing.submit(pages(2), { apiKey, siteUrl: SITE })).results)).toEqual({ accepted: 2 });
  });

  it("the sandbox refuses an over-quota batch with both of Bing's messages, and the adapter reads each as quota_exhausted", async () => {
    const apiKey = sandbox.bing.register({ siteUrl: SITE, dailyQuota: 2 });
    const post = (count: number) => fetch(`${sandbox.url}/ssl.bing.com/webmaster/api.svc/json/SubmitUrlBatch?apikey=${apiKey}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ siteUrl: SITE, urlList: pages(count).map((p) => p.url) }),
    }).then(async (r) => ({ status: r.status, body: await r.json() as { ErrorCode: number; Message: string } }));
    const tooBig = await post(3);
    expect(tooBig).toEqual({ status: 400, body: { ErrorCode: 8, Message: 'ERROR!!! Quota remaining for today: 2, Submitted: 3' } });
    expect((await post(2)).status).toBe(200);
    const none = await post(1);
    expect(none).toEqual({ status: 400, body: { ErrorCode: 2, Message: 'ERROR!!! You have exceeded your daily url submission quota : 2' } });

    sandbox.bing.setQuota(apiKey, SITE, { dailyQuota: 10 });
    for (const body of [tooBig.body, none.body]) {
      sandbox.inject({ host: 'ssl.bing.com', path: '/webmaster/api.svc/json/SubmitUrlBatch', status: 400, body });
      const result = await bing.submit(pages(1), { apiKey, siteUrl: SITE });
      expect(result.stoppedBy).toMatchObject({ kind: 'quota_exhausted', details: { engineCode: String(body.ErrorCode), retryAt: NEXT_UTC_MIDNIGHT } });
    }
  });

  it('a site the key has not verified → not_verified (verify it in Bing Webmaster Tools, check the key); an unknown key → invalid_credentials', async () => {
    const apiKey = sandbox.bing.register({ siteUrl: 'https://another.example.com/' });

    const unverified = await bing.submit(pages(2), { apiKey, siteUrl: SITE });

    expect(statuses(unverified.results)).toEqual({ rejected: 2 });
    expect(unverified.stoppedBy).toMatchObject({ kind: 'not_verified', details: { status: 400, engineCode: '14' } });
    expect(unverified.stoppedBy?.message).toContain(`verify ${SITE} in Bing Webmaster Tools with the account whose API key this is, and check the API key`);
    const badKey = await bing.submit(pages(1), { apiKey: 'NOT-A-KEY', siteUrl: SITE });
    expect(badKey.stoppedBy).toMatchObject({ kind: 'invalid_credentials', details: { engineCode: '3' } });
    expect(sandbox.calls({ path: '/webmaster/api.svc/json/SubmitUrlBatch' })).toHaveLength(0);
  });

  it('throttling (ErrorCode 4) → rate_limited; verify() reads the quota', async () => {
    const apiKey = sandbox.bing.register({ siteUrl: SITE, dailyQuota: 50, monthlyQuota: 700 });
    sandbox.inject({ host: 'ssl.bing.com', path: '/webmaster/api.svc/json/SubmitUrlBatch', status: 400, body: { ErrorCode: 4, Message: 'ERROR!!! ThrottleUser' } });

    const throttled = await bing.submit(pages(1), { apiKey, siteUrl: SITE });

    expect(throttled.stoppedBy).toMatchObject({ kind: 'rate_limited', details: { retryAfterSeconds: 60 } });
    expect(await bing.verify({ apiKey, siteUrl: SITE })).toEqual({ ok: true, details: `Bing accepts the API key for ${SITE}: 50 URLs left today, 700 this month` });
    expect(await bing.verify({ apiKey, siteUrl: 'https://unverified.example.com/' })).toMatchObject({ ok: false, error: { kind: 'not_verified' } });
  });
});
