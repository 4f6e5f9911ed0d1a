import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService } from '../../db/context.ts';
import { PLATFORMS, type Platform } from '../../functions/oauth/providers/port.ts';
import { spreadSeconds } from '../../functions/sync/tasks.ts';
import { startTestApi, type TestApi, waitFor } from '../api.ts';
import { connectAccount } from '../oauth-browser.ts';

let api: TestApi;
beforeAll(async () => { api = await startTestApi('api_sync'); });
afterAll(async () => { await api?.stop(); });

const service = <T>(work: Parameters<typeof asService<T>>[1]) => asService(api.db.app, work);
const sandbox = () => api.stack.platforms;

/** A user on a tier (premium: 3,000 syncs and 20 accounts; basic: auto sync). */
async function creator(tier: 'free' | 'basic' | 'premium' = 'premium') {
  const user = await api.signUp();
  if (tier !== 'free') {
    await api.db.owner`
      INSERT INTO subscription (user_id, tier_id, status_id) SELECT ${user.userId}, t.id, s.id FROM subscription_tier t, subscription_status s
      WHERE t.slug = ${tier} AND s.slug = 'active'`;
  }
  return user;
}

async function connected(platform: Platform, login: string, tier: 'free' | 'basic' | 'premium' = 'premium') {
  const user = await creator(tier);
  const { landing } = await connectAccount(api, platform, user.token, login);
  expect(landing.searchParams.get('connected'), landing.href).toBe(platform);
  const [account] = await service((tx) => tx`
    SELECT a.id FROM social_account a JOIN platform p ON p.id = a.platform_id WHERE a.user_id = ${user.userId} AND p.slug = ${platform}`);
  // The sandbox module makes the catalogue (with its platform's kinds) on the first read: ask for it after a sync.
  return { ...user, accountId: account!.id as string, catalogue: () => sandbox().state.catalogue(platform, login) };
}

const job = async (id: string) => (await service((tx) => tx`SELECT * FROM job_queue WHERE id = ${id}`))[0]!;
const settled = (id: string, statuses = ['completed', 'failed', 'cancelled']) =>
  waitFor(async () => { const row = await job(id); return statuses.includes(row.status) && (row.status !== 'failed' || row.next_retry_at === null) && row; }, 60_000);

async function sync(user: { token: string }, platform: Platform, body: Record<string, unknown> = {}) {
  const res = await api.request('POST', `/sync-${platform}`, { token: user.token, body });
  expect(res.status, res.text).toBe(202);
  return res.body as { job_id: string; created: boolean; status: string };
}

const items = (accountId: string) => service((tx) => tx`
  SELECT platform_content_id, title, deleted_at, views_count FROM content_item WHERE social_account_id = ${accountId}`);
const live = async (accountId: string) => (await items(accountId)).filter((i) => i.deleted_at === null);
const syncsUsed = async (userId: string) => (await service((tx) => tx`SELECT syncs_used FROM subscription WHERE user_id = ${userId}`))[0]!.syncs_used as number;

describe.each(PLATFORMS)('syncing %s', (platform) => {
  it('reads every item (full), then only what is new (incremental); a re-run makes no duplicate; a full sync sees edits and removals', async () => {
    const user = await connected(platform, 'items-51');
    const first = await sync(user, platform, { full: true });
    expect(first.created).toBe(true);
    const done = await settled(first.job_id);
    expect(done.status, done.error_message).toBe('completed');
    expect(done.result).toMatchObject({ items: 51, inserted: 51, removed: 0 });
    expect(await live(user.accountId)).toHaveLength(51);
    const [account] = await service((tx) => tx`SELECT follower_count, last_synced_at FROM social_account WHERE id = ${user.accountId}`);
    expect(account!.last_synced_at).not.toBeNull();

    // Three new items, one edited, one removed at the source: an incremental sync reads only the new ones.
    user.catalogue().publish(3);
    user.catalogue().edit(40, { title: 'A brand new title' });
    user.catalogue().remove(10);
    const incremental = await settled((await sync(user, platform)).job_id);
    expect(incremental.status, incremental.error_message).toBe('completed');
    expect(incremental.result).toMatchObject({ items: 3, inserted: 3 });
    expect(await live(user.accountId)).toHaveLength(54);

    const full = await settled((await sync(user, platform, { full: true })).job_id);
    expect(full.status, full.error_message).toBe('completed');
    expect(full.result).toMatchObject({ items: 53, inserted: 0, removed: 1 });
    const all = await items(user.accountId);
    expect(all).toHaveLength(54);
    expect(new Set(all.map((i) => i.platform_content_id)).size).toBe(54);
    expect(all.filter((i) => i.deleted_at !== null)).toHaveLength(1);
    if (platform !== 'twitter' && platform !== 'instagram' && platform !== 'facebook') {
      expect(all.some((i) => String(i.title).startsWith('A brand new title'))).toBe(true);
      const [revisions] = await service((tx) => tx`
        SELECT count(*)::int AS n FROM content_revision r JOIN content_item c ON c.id = r.content_item_id
        WHERE c.social_account_id = ${user.accountId} AND r.change_source = 'system'`);
      expect(revisions!.n).toBe(1);
    }
    expect(await syncsUsed(user.userId)).toBe(3);
  });
});

describe('a sync job', () => {
  it('is one per account at a time (the same job back, one quota unit), and a spent quota is a 429 with the limit and reset date', async () => {
    const user = await connected('youtube', 'items-20000');
    const [a, b] = await Promise.all([sync(user, 'youtube', { full: true }), sync(user, 'youtube')]);
    expect(a.job_id).toBe(b.job_id);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect(await syncsUsed(user.userId)).toBe(1);
    await api.request('POST', '/job-cancel', { token: user.token, body: { job_id: a.job_id } });
    await settled(a.job_id);

    await api.db.owner`UPDATE subscription SET syncs_used = 3000 WHERE user_id = ${user.userId}`;
    const refused = await api.request('POST', '/sync-youtube', { token: user.token, body: {} });
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: 'rate_limited', details: { quota: 'sync', tier: 'premium', limit: 3000, used: 3000 } });
    expect(refused.body.error.details.resets_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    const jobs = await service((tx) => tx`SELECT count(*)::int AS n FROM job_queue WHERE user_id = ${user.userId}`);
    expect(jobs[0]!.n).toBe(1);
  });

  it('says which account when there are none, several or one that needs reconnecting', async () => {
    const user = await creator();
    expect((await api.request('POST', '/sync-tiktok', { token: user.token, body: {} })).status).toBe(404);
    const other = await connected('tiktok', 'someone-else');
    expect((await api.request('POST', '/sync-tiktok', { token: user.token, body: { social_account_id: other.accountId } })).status).toBe(404);
    await connectAccount(api, 'tiktok', user.token, 'first-tiktok');
    await connectAccount(api, 'tiktok', user.token, 'second-tiktok');
    const several = await api.request('POST', '/sync-tiktok', { token: user.token, body: {} });
    expect(several.status).toBe(400);
    expect(several.body.error.message).toMatch(/social_account_id/);
    expect((await api.request('POST', '/sync-tiktok', { token: user.token, body: { full: 'yes' } })).status).toBe(400);
  });

  it('keeps a title the creator edited while the platform’s text changes, and their own tags', async () => {
    const user = await connected('tiktok', 'edited-by-owner');
    await settled((await sync(user, 'tiktok', { full: true })).job_id);
    const [item] = await service((tx) => tx`SELECT id, platform_content_id FROM content_item WHERE social_account_id = ${user.accountId} ORDER BY published_at LIMIT 1`);
    const edited = await api.request('PATCH', '/my-content', { token: user.token, body: { content_id: item!.id, title: 'My own title', tags: ['mine'] } });
    expect(edited.status, edited.text).toBe(200);
    user.catalogue().edit(0, { title: 'Changed at TikTok', description: 'New words at TikTok' });
    const done = await settled((await sync(user, 'tiktok', { full: true })).job_id);
    expect(done.status, done.error_message).toBe('completed');
    const [after] = await service((tx) => tx`SELECT title, description FROM content_item WHERE id = ${item!.id}`);
    expect(after!.title).toBe('My own title');
    expect(after!.description).toMatch(/^New words at TikTok/);
    const tags = await service((tx) => tx`SELECT tag, source FROM content_tag WHERE content_id = ${item!.id} AND source = 'user'`);
    expect(tags).toEqual([{ tag: 'mine', source: 'user' }]);
  });

  it('cancelled while running stops at the next page, keeping what it wrote', async () => {
    const user = await connected('youtube', 'items-19999');
    const { job_id } = await sync(user, 'youtube', { full: true });
    await waitFor(async () => (await job(job_id)).progress > 0 && true, 30_000);
    expect((await api.request('POST', '/job-cancel', { token: user.token, body: { job_id } })).status).toBe(200);
    const done = await settled(job_id);
    expect(done.status).toBe('cancelled');
    const kept = (await live(user.accountId)).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(19_999);
    expect(kept % 50).toBe(0);
  });

  it('failing after page 3 resumes on its retry at page 4: exact counts, no duplicate', async () => {
    const user = await connected('tiktok', 'items-200');
    sandbox().inject({ host: 'open.tiktokapis.com', path: '/v2/video/list/', status: 503, body: { error: { code: 'internal_error', message: 'x', log_id: 'l' } }, after: 3 });
    const { job_id } = await sync(user, 'tiktok', { full: true });
    const failed = await waitFor(async () => { const row = await job(job_id); return row.status === 'failed' && row.next_retry_at !== null && row; });
    expect(failed.retry_count).toBe(0);
    const written = (await live(user.accountId)).length;
    expect(written).toBeGreaterThan(0);
    await api.db.owner`UPDATE job_queue SET next_retry_at = now() WHERE id = ${job_id}`;
    await api.stack.scheduler.run('retry-failed-jobs');
    const done = await settled(job_id);
    expect(done.status, done.error_message).toBe('completed');
    expect(await live(user.accountId)).toHaveLength(200);
    const logs = await service((tx) => tx`SELECT message FROM job_log WHERE job_id = ${job_id}`);
    expect(logs.map((l) => l.message).join('\n')).toMatch(/resuming after page 3/);
  });
});

describe('provider errors', () => {
  it('YouTube’s spent daily quota defers the job to midnight Pacific time, without using a retry', async () => {
    const user = await connected('youtube', 'items-120');
    sandbox().inject({ host: 'www.googleapis.com', path: '/youtube/v3/playlistItems', status: 403, body: { error: { code: 403, message: 'The request cannot be completed because you have exceeded your quota.',
      errors: [{ message: 'quota', domain: 'youtube.quota', reason: 'quotaExceeded' }] } } });
    const { job_id } = await sync(user, 'youtube');
    const deferred = await waitFor(async () => { const row = await job(job_id); return row.status === 'pending' && row.scheduled_for > new Date(Date.now() + 60_000) && row; });
    expect(deferred.retry_count).toBe(0);
    const pacific = new Intl.DateTimeFormat('en-US', { timeZone: 'America/Los_Angeles', hour: 'numeric', minute: 'numeric', hourCycle: 'h23' }).format(deferred.scheduled_for);
    expect(pacific).toMatch(/^(0?0):0[0-1]$|^23:59$/);
  });

  it('X’s rate window defers the job to x-rate-limit-reset', async () => {
    const user = await connected('twitter', 'items-30');
    const reset = Math.floor(Date.now() / 1000) + 600;
    sandbox().inject({ host: 'api.x.com', path: '/2/users/*', status: 429, headers: { 'x-rate-limit-reset': String(reset), 'x-rate-limit-remaining': '0', 'x-rate-limit-limit': '900' },
      body: { title: 'Too Many Requests', type: 'about:blank', status: 429, detail: 'Too Many Requests' } });
    const { job_id } = await sync(user, 'twitter');
    const deferred = await waitFor(async () => { const row = await job(job_id); return row.status === 'pending' && row.scheduled_for > new Date(Date.now() + 60_000) && row; });
    expect(Math.abs(deferred.scheduled_for.getTime() / 1000 - reset)).toBeLessThan(5);
  });

  it('an expired access token is refreshed once through the vault, then the sync goes on', async () => {
    const user = await connected('tiktok', 'items-25');
    for (const token of sandbox().state.tokens.values()) if (token.account.login === 'items-25' && token.kind === 'access') token.expiresAt = Date.now() - 1000;
    const refreshes = sandbox().calls({ host: 'open.tiktokapis.com', path: '/v2/oauth/token/' }).length;
    const done = await settled((await sync(user, 'tiktok')).job_id);
    expect(done.status, done.error_message).toBe('completed');
    expect(sandbox().calls({ host: 'open.tiktokapis.com', path: '/v2/oauth/token/' }).length - refreshes).toBe(1);
    expect(await live(user.accountId)).toHaveLength(25);
  });

  it('a revoked grant fails the job for good, marks the account for reconnecting, tells the user and gives the quota back', async () => {
    const user = await connected('instagram', 'revoked-ig');
    for (const token of sandbox().state.tokens.values()) if (token.account.login === 'revoked-ig') token.revoked = true;
    const done = await settled((await sync(user, 'instagram')).job_id);
    expect(done).toMatchObject({ status: 'failed', next_retry_at: null });
    expect(done.error_message).toMatch(/reconnect/);
    const [status] = await service((tx) => tx`SELECT s.slug FROM social_account a JOIN account_status s ON s.id = a.status_id WHERE a.id = ${user.accountId}`);
    expect(status!.slug).toBe('disconnected');
    expect(JSON.stringify((await api.request('GET', '/notifications', { token: user.token })).body)).toMatch(/Reconnect your instagram account/);
    expect(await syncsUsed(user.userId)).toBe(0);
    expect((await api.request('POST', '/sync-instagram', { token: user.token, body: {} })).status).toBe(409);
  });

  it('a 5xx is retried with backoff', async () => {
    const user = await connected('facebook', 'items-5');
    sandbox().inject({ host: 'graph.facebook.com', path: '*', status: 500, body: { error: { message: 'An unknown error occurred', type: 'OAuthException', code: 1, fbtrace_id: 'x' } } });
    const { job_id } = await sync(user, 'facebook');
    const failed = await waitFor(async () => { const row = await job(job_id); return row.status === 'failed' && row; });
    expect(failed.next_retry_at).not.toBeNull();
    expect(await syncsUsed(user.userId)).toBe(1);
  });
});

describe('auto sync', () => {
  it('starts incremental syncs for accounts due by their users’ settings on tiers with auto sync, spread over the interval', async () => {
    const due = await connected('tiktok', 'auto-due', 'basic');
    const fresh = await connected('tiktok', 'auto-fresh', 'basic');
    const free = await connected('tiktok', 'auto-free', 'free');
    const off = await connected('tiktok', 'auto-off', 'basic');
    await api.db.owner`UPDATE user_setting SET auto_sync_enabled = false WHERE user_id = ${off.userId}`;
    await api.db.owner`UPDATE user_setting SET sync_frequency_hours = 6 WHERE user_id IN (${due.userId}, ${fresh.userId})`;
    await api.db.owner`UPDATE social_account SET last_synced_at = now() - interval '7 hours' WHERE id = ${due.accountId}`;
    await api.db.owner`UPDATE social_account SET last_synced_at = now() - interval '1 hour' WHERE id = ${fresh.accountId}`;

    await api.stack.scheduler.run('auto-sync');
    const jobs = await service((tx) => tx`SELECT user_id, job_type, params, scheduled_for, created_at FROM job_queue WHERE job_type = 'auto_sync'
                                          AND user_id IN (${due.userId}, ${fresh.userId}, ${free.userId}, ${off.userId})`);
    expect(jobs.map((j) => j.user_id)).toEqual([due.userId]);
    expect(jobs[0]!.params).toMatchObject({ social_account_id: due.accountId, full: false });
    const delay = (jobs[0]!.scheduled_for.getTime() - jobs[0]!.created_at.getTime()) / 1000;
    expect(Math.abs(delay - spreadSeconds(due.accountId, 15))).toBeLessThan(5);
    // Run again: the pending one is not doubled.
    await api.stack.scheduler.run('auto-sync');
    expect((await service((tx) => tx`SELECT count(*)::int AS n FROM job_queue WHERE job_type = 'auto_sync' AND user_id = ${due.userId}`))[0]!.n).toBe(1);
  });

  it('follower sync updates the totals of the account and the user without touching content or quota', async () => {
    const user = await connected('youtube', 'followers-only');
    await api.db.owner`UPDATE social_account SET follower_count = 0 WHERE id = ${user.accountId}`;
    await api.stack.scheduler.run('follower-sync');
    await api.db.owner`UPDATE job_queue SET scheduled_for = now(), dispatched_at = NULL WHERE job_type = 'follower_sync' AND user_id = ${user.userId}`;
    await api.stack.scheduler.run('outbox-sweep');
    await waitFor(async () => (await service((tx) => tx`SELECT follower_count FROM social_account WHERE id = ${user.accountId}`))[0]!.follower_count > 0 && true);
    const [totals] = await service((tx) => tx`SELECT total_followers FROM users WHERE id = ${user.userId}`);
    expect(Number(totals!.total_followers)).toBeGreaterThan(0);
    expect(await live(user.accountId)).toHaveLength(0);
    expect(await syncsUsed(user.userId).catch(() => 0)).toBe(0);
  });
});
