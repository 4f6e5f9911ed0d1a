import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { nextMidnight, PACIFIC } from '../../functions/seo/engines/http.ts';
import { startTestApi, waitFor, type TestApi } from '../api.ts';
import { contentUrl, seoCreator, siteOf, TEST_INDEXNOW_KEY } from './seo-world.ts';

vi.hoisted(() => { process.env.INDEXNOW_KEY ??= 'streamvibe-test-indexnow-key'; });

let api: TestApi;
const keyFile = { body: TEST_INDEXNOW_KEY };
beforeAll(async () => {
  api = await startTestApi('api_seo_engines');
  api.stack.seo.indexnow.fetchKeyFile = async () => new Response(keyFile.body);
});
afterAll(async () => { await api?.stop(); });
beforeEach(() => {
  api.stack.seo.reset();
  keyFile.body = TEST_INDEXNOW_KEY;
});

type Creator = Awaited<ReturnType<typeof seoCreator>>;
const site = () => `${siteOf()}/`;

/** A creator with a verified Google connection through a service account of a project of its own (its own quotas). */
async function withGoogle() {
  const creator = await seoCreator(api, { items: 2 });
  const project = `p-${randomUUID().slice(0, 8)}`;
  const key = api.stack.seo.google.serviceAccount({ project });
  api.stack.seo.google.own(key.client_email, site());
  const res = await api.request('POST', '/seo-connections', { token: creator.token, body: { search_engine: 'google', site_url: site(), service_account_key: JSON.stringify(key) } });
  expect(res.status, res.text).toBe(201);
  return { creator, project, key, connectionId: res.body.id as string };
}

async function withBing(dailyQuota = 100) {
  const creator = await seoCreator(api, { items: 2 });
  const apiKey = api.stack.seo.bing.register({ siteUrl: site(), dailyQuota });
  const res = await api.request('POST', '/seo-connections', { token: creator.token, body: { search_engine: 'bing', site_url: site(), api_key: apiKey } });
  expect(res.status, res.text).toBe(201);
  return { creator, apiKey, connectionId: res.body.id as string };
}

async function submitItem(creator: Creator, engine: string, index = 0) {
  const res = await api.request('POST', '/submit-to-seo', { token: creator.token, body: { content_item_id: creator.itemIds[index], search_engine: engine } });
  expect(res.status, res.text).toBe(202);
  return res.body as { submission_id: string; job_id: string; url: string };
}

/** The submission and its job once the submission is no longer pending (the worker got to it). */
async function settled(submissionId: string) {
  return waitFor(async () => {
    const [row] = await api.db.owner`
      SELECT s.status, s.error_message, s.response_status, s.response_body, s.retry_count, s.submitted_at,
             j.status AS job_status, j.scheduled_for, j.next_retry_at, j.error_message AS job_error
      FROM seo_submission s JOIN job_queue j ON j.id = s.job_id WHERE s.id = ${submissionId}`;
    const jobDone = row && (row.job_status !== 'processing') && !(row.job_status === 'pending' && row.status === 'pending');
    return row && row.status !== 'pending' && jobDone && row;
  });
}
const seoUsed = async (userId: string) => (await api.db.owner`SELECT seo_submissions_used FROM subscription WHERE user_id = ${userId}`)[0]!.seo_submissions_used as number;
const secondsFromNow = (date: Date) => (date.getTime() - Date.now()) / 1000;

/** Brings a deferred job back now (as if its window had passed) and lets the outbox sweep send it. */
async function resume(submissionId: string) {
  await api.db.owner`UPDATE job_queue SET scheduled_for = now(), dispatched_at = NULL WHERE id = (SELECT job_id FROM seo_submission WHERE id = ${submissionId})`;
  await api.stack.scheduler.run('outbox-sweep');
}

describe('Google through the seo worker and the Google sandbox', () => {
  it('publishes URL_UPDATED with the connection’s service account', async () => {
    const { creator, connectionId } = await withGoogle();
    const { submission_id, url } = await submitItem(creator, 'google');
    const row = await settled(submission_id);
    expect(row).toMatchObject({ status: 'submitted', job_status: 'completed', error_message: null });
    expect(api.stack.seo.google.notifications.get(url)?.latestUpdate?.type).toBe('URL_UPDATED');
    const [connection] = await api.db.owner`SELECT last_submission_at FROM seo_connection WHERE id = ${connectionId}`;
    expect(connection!.last_submission_at).not.toBeNull();
  });

  it('a 429 (per-minute quota) defers the job a minute with the URL waiting; after the window it is sent', async () => {
    const { creator, project } = await withGoogle();
    api.stack.seo.google.setQuota(project, { requestsPerMinute: 0 });
    const { submission_id, url } = await submitItem(creator, 'google');
    const row = await settled(submission_id);
    expect(row).toMatchObject({ status: 'rate_limited', job_status: 'pending', response_status: 429, retry_count: 1 });
    expect(row.error_message).toMatch(/Google is rate limiting the Indexing API.*sent again after/);
    expect(secondsFromNow(row.scheduled_for)).toBeGreaterThan(45);
    expect(secondsFromNow(row.scheduled_for)).toBeLessThan(75);

    api.stack.seo.google.setQuota(project, { requestsPerMinute: 380 });
    await resume(submission_id);
    await waitFor(async () => (await api.db.owner`SELECT status FROM seo_submission WHERE id = ${submission_id}`)[0]!.status === 'submitted');
    expect(api.stack.seo.google.notifications.get(url)?.latestUpdate).toBeDefined();
    expect(await seoUsed(creator.userId)).toBe(1);
  });

  it('the daily publish quota spent: the job waits for midnight Pacific', async () => {
    const { creator, project } = await withGoogle();
    api.stack.seo.google.setQuota(project, { publishPerDay: 0 });
    const { submission_id } = await submitItem(creator, 'google');
    const row = await settled(submission_id);
    expect(row).toMatchObject({ status: 'rate_limited', job_status: 'pending', response_status: 429 });
    expect(row.error_message).toMatch(/daily Indexing API quota of 0 publish requests is spent; it resets at midnight Pacific/);
    expect(row.scheduled_for.toISOString()).toBe(nextMidnight(Date.now(), PACIFIC).toISOString());
  });

  it('a 403 (the account no longer owns the site) fails for good with what to fix: the unit comes back, the connection and the user are told', async () => {
    const { creator, key, connectionId } = await withGoogle();
    api.stack.seo.google.reset(); // ownership (and tokens) gone; the key still signs
    const { submission_id } = await submitItem(creator, 'google');
    const row = await settled(submission_id);
    expect(row).toMatchObject({ status: 'failed', job_status: 'failed', next_retry_at: null, response_status: 403 });
    expect(row.error_message).toContain(`Add the service account ${key.client_email} as an owner of the Search Console property ${site()}`);
    expect(row.job_error).toContain('Add the service account');
    expect(await seoUsed(creator.userId)).toBe(0);
    const [connection] = await api.db.owner`SELECT is_verified, last_error FROM seo_connection WHERE id = ${connectionId}`;
    expect(connection).toMatchObject({ is_verified: false, last_error: expect.stringContaining('Search Console') });
    const notes = await api.db.owner`SELECT message FROM notification WHERE user_id = ${creator.userId} AND dedupe_key LIKE 'job-failed:%'`;
    expect(notes.map((n) => n.message)).toEqual([expect.stringContaining(`Add the service account ${key.client_email} as an owner`)]);
    // Not verified any more: the next submission is refused before a job.
    const again = await api.request('POST', '/submit-to-seo', { token: creator.token, body: { content_item_id: creator.itemIds[1], search_engine: 'google' } });
    expect(again.status).toBe(409);
  });
});

describe('Bing through the seo worker and the Bing sandbox', () => {
  it('reads the quota, then SubmitUrlBatch', async () => {
    const { creator, apiKey } = await withBing();
    const { submission_id, url } = await submitItem(creator, 'bing');
    expect(await settled(submission_id)).toMatchObject({ status: 'submitted', job_status: 'completed' });
    expect(api.stack.seo.bing.received(apiKey, site())).toEqual([url]);
    expect(api.stack.seo.calls({ host: 'ssl.bing.com' }).map((c) => c.path)).toEqual(expect.arrayContaining([
      '/webmaster/api.svc/json/GetUrlSubmissionQuota', '/webmaster/api.svc/json/SubmitUrlBatch']));
  });

  it('a 429 defers the job; a spent daily quota waits for midnight UTC', async () => {
    const { creator, apiKey } = await withBing();
    api.stack.seo.inject({ host: 'ssl.bing.com', path: '/webmaster/api.svc/json/GetUrlSubmissionQuota', status: 429, headers: { 'retry-after': '120' } });
    const throttled = await submitItem(creator, 'bing', 0);
    const row = await settled(throttled.submission_id);
    expect(row).toMatchObject({ status: 'rate_limited', job_status: 'pending', response_status: 429 });
    expect(secondsFromNow(row.scheduled_for)).toBeGreaterThan(100);

    api.stack.seo.bing.setQuota(apiKey, site(), { dailyQuota: 0 });
    const spent = await submitItem(creator, 'bing', 1);
    const spentRow = await settled(spent.submission_id);
    expect(spentRow).toMatchObject({ status: 'rate_limited', job_status: 'pending' });
    expect(spentRow.error_message).toMatch(/allows 0 more URLs/);
    expect(spentRow.scheduled_for.toISOString()).toBe(nextMidnight(Date.now(), 'UTC').toISOString());
    expect(api.stack.seo.bing.received(apiKey, site())).toEqual([]);
  });

  it('a site the key’s user has not verified (NotAuthorized) fails for good with what to fix', async () => {
    const { creator, apiKey, connectionId } = await withBing();
    api.stack.seo.bing.reset();
    api.stack.seo.bing.register({ siteUrl: 'https://another.example.com/', apiKey });
    const { submission_id } = await submitItem(creator, 'bing');
    const row = await settled(submission_id);
    expect(row).toMatchObject({ status: 'failed', job_status: 'failed', next_retry_at: null });
    expect(row.error_message).toMatch(new RegExp(`verify ${site()} in Bing Webmaster Tools`));
    const [connection] = await api.db.owner`SELECT is_verified FROM seo_connection WHERE id = ${connectionId}`;
    expect(connection!.is_verified).toBe(false);
    expect(await seoUsed(creator.userId)).toBe(0);
  });
});

describe('IndexNow through the seo worker and the IndexNow sandbox (StreamVibe’s own key)', () => {
  it('posts the URL with the stage’s key and its key location on the public site', async () => {
    const creator = await seoCreator(api, { items: 2 });
    const first = await submitItem(creator, 'indexnow', 0);
    expect(await settled(first.submission_id)).toMatchObject({ status: 'submitted', response_body: { detail: 'accepted, key validation pending (202)' } });
    const second = await submitItem(creator, 'indexnow', 1);
    expect(await settled(second.submission_id)).toMatchObject({ status: 'submitted', response_body: null });
    expect(api.stack.seo.indexnow.received(new URL(siteOf()).host)).toEqual([first.url, second.url]);
    expect(api.stack.seo.indexnow.keyFileChecks.at(-1)).toEqual({ url: `${siteOf()}/${TEST_INDEXNOW_KEY}.txt`, matched: true });
  });

  it('a 429 defers the job ten minutes (IndexNow sends no Retry-After)', async () => {
    api.stack.seo.indexnow.postsPerMinutePerHost = 0;
    const creator = await seoCreator(api, { items: 1 });
    const { submission_id } = await submitItem(creator, 'indexnow');
    const row = await settled(submission_id);
    expect(row).toMatchObject({ status: 'rate_limited', job_status: 'pending', response_status: 429 });
    expect(secondsFromNow(row.scheduled_for)).toBeGreaterThan(590);
  });

  it('a 403 (the key file says something else) fails for good, saying where the key file must be', async () => {
    const creator = await seoCreator(api, { items: 2 });
    expect(await settled((await submitItem(creator, 'indexnow', 0)).submission_id)).toMatchObject({ status: 'submitted' });
    keyFile.body = 'another-key';
    const { submission_id } = await submitItem(creator, 'indexnow', 1);
    const row = await settled(submission_id);
    expect(row).toMatchObject({ status: 'failed', job_status: 'failed', response_status: 403 });
    expect(row.error_message).toContain(`serve the key file at ${siteOf()}/${TEST_INDEXNOW_KEY}.txt`);
    expect(await seoUsed(creator.userId)).toBe(1);
    expect(contentUrl(creator.itemIds[1]!)).not.toBe('');
  });
});
