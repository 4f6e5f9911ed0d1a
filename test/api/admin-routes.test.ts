import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeRole } from '../../db/admin-roles.ts';
import { asService } from '../../db/context.ts';
import { postgresMigrationDatabase } from '../../db/postgres-adapter.ts';
import { routes } from '../../functions/admin/routes.ts';
import { startTestApi, type TestApi } from '../api.ts';

let api: TestApi;
let admin: { token: string; userId: string; email: string };
beforeAll(async () => {
  api = await startTestApi('api_admin');
  admin = await api.signUp({ roles: ['admin'] });
});
afterAll(async () => { await api?.stop(); });

const service = <T>(work: Parameters<typeof asService<T>>[1]) => asService(api.db.app, work);
const post = (path: string, body: unknown, token = admin.token) => api.request('POST', path, { token, body });
const get = (path: string, token?: string) => api.request('GET', path, { token });
/** The newest audit row the admin wrote about an entity. */
const auditOf = async (entityId: string) => (await service((tx) => tx`
  SELECT actor_id, user_id, action, entity_type, old_values, new_values, ip_address FROM audit_log
  WHERE entity_id = ${entityId} ORDER BY id DESC LIMIT 1`))[0];

interface Creator { token: string; userId: string; slug: string; accountId: string }
/** A public creator (profile set up) with one YouTube account. */
async function creator(name: string): Promise<Creator> {
  const { token, userId } = await api.signUp();
  const setup = await post('/auth-profile-setup', { display_name: `${name} ${userId.slice(0, 6)}`, primary_category: 'gaming' }, token);
  expect(setup.status).toBe(200);
  const [account] = await service((tx) => tx`
    INSERT INTO social_account (user_id, platform_id, platform_account_id, handle, status_id)
    SELECT ${userId}, p.id, ${`acct-${randomUUID()}`}, ${`@${name}`}, (SELECT id FROM account_status WHERE slug = 'active')
    FROM platform p WHERE p.slug = 'youtube' RETURNING id`);
  return { token, userId, slug: setup.body.profile_slug, accountId: account!.id };
}
async function item(owner: Creator, title: string): Promise<string> {
  const [row] = await service((tx) => tx`
    INSERT INTO content_item (social_account_id, user_id, platform_id, content_type_id, platform_content_id, title, url, category_code, views_count)
    SELECT sa.id, sa.user_id, sa.platform_id, (SELECT id FROM content_type WHERE slug = 'long_video'), ${`pc-${randomUUID()}`}, ${title},
           'https://watch.example.com/v', 'gaming', 1000
    FROM social_account sa WHERE sa.id = ${owner.accountId} RETURNING id`);
  return row!.id;
}
const ids = (body: { items: { id: string }[] }) => body.items.map((i) => i.id);

describe('admin routes: who may call them', () => {
  it('answers 403 to a signed-in non-admin and 401 without a token, on every admin route', async () => {
    const { token } = await api.signUp();
    expect(routes.length).toBe(12);
    for (const route of routes) {
      const options = route.method === 'GET' ? {} : { body: {} };
      expect((await api.request(route.method, route.path, { ...options, token })).status, route.path).toBe(403);
      expect((await api.request(route.method, route.path, options)).status, route.path).toBe(401);
    }
  });

  it('refuses a token that still says admin once the role is gone from user_role (and audits nothing)', async () => {
    const former = await api.signUp({ roles: ['admin'] });
    await changeRole(postgresMigrationDatabase(api.db.owner), { email: former.email, role: 'admin', revoke: true });
    const target = await api.signUp();
    const res = await post('/admin-creator-verify', { user_id: target.userId, verified: true }, former.token);
    expect(res.status).toBe(403);
    expect(await auditOf(target.userId)).toBeUndefined();
  });
});

describe('admin routes: each change with its audit row (who, what, before and after)', () => {
  it('grants and revokes a role; the user’s next token carries it', async () => {
    const user = await api.signUp();
    const granted = await post('/admin-role-grant', { user_id: user.userId, role: 'moderator' });
    expect(granted.status).toBe(200);
    expect(granted.body).toEqual({ changed: true, before: { user_id: user.userId, roles: [] }, after: { user_id: user.userId, roles: ['moderator'] } });
    expect(await auditOf(user.userId)).toMatchObject({ actor_id: admin.userId, user_id: user.userId, action: 'grant', entity_type: 'user_role',
      old_values: { roles: [] }, new_values: { roles: ['moderator'] } });
    const token = await api.signIn(user.email);
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())['cognito:groups']).toEqual(['moderator']);

    expect((await post('/admin-role-grant', { user_id: user.userId, role: 'moderator' })).body.changed).toBe(false);
    const revoked = await post('/admin-role-revoke', { user_id: user.userId, role: 'moderator' });
    expect(revoked.body).toMatchObject({ changed: true, after: { roles: [] } });
    expect(await auditOf(user.userId)).toMatchObject({ action: 'revoke', old_values: { roles: ['moderator'] }, new_values: { roles: [] } });
    expect((await post('/admin-role-grant', { user_id: randomUUID(), role: 'admin' })).status).toBe(404);
    expect((await post('/admin-role-grant', { user_id: user.userId, role: 'owner' })).status).toBe(400);
  });

  it('verifies and unverifies a creator, which discovery shows at once', async () => {
    const alice = await creator('Verified');
    const verified = await post('/admin-creator-verify', { user_id: alice.userId, verified: true });
    expect(verified.body).toEqual({ changed: true, before: { user_id: alice.userId, is_verified: false }, after: { user_id: alice.userId, is_verified: true } });
    expect((await get(`/get-creator-by-slug?slug=${alice.slug}`)).body.creator.is_verified).toBe(true);
    expect(await auditOf(alice.userId)).toMatchObject({ action: 'verify', entity_type: 'creator', old_values: { is_verified: false }, new_values: { is_verified: true } });
    await post('/admin-creator-verify', { user_id: alice.userId, verified: false });
    expect((await get(`/get-creator-by-slug?slug=${alice.slug}`)).body.creator.is_verified).toBe(false);
  });

  it('features creators in order within their period, per list, and unfeatures them', async () => {
    const [first, second, later, ended, gamer] = await Promise.all(['First', 'Second', 'Later', 'Ended', 'Gamer'].map(creator));
    const hour = 3_600_000;
    expect((await post('/admin-creator-feature', { user_id: first!.userId, position: 2, headline: 'Rising' })).status).toBe(200);
    expect((await post('/admin-creator-feature', { user_id: second!.userId, position: 1 })).status).toBe(200);
    await post('/admin-creator-feature', { user_id: later!.userId, position: 0, starts_at: new Date(Date.now() + hour).toISOString() });
    await post('/admin-creator-feature', { user_id: ended!.userId, position: 0, starts_at: new Date(Date.now() - 2 * hour).toISOString(),
      ends_at: new Date(Date.now() - hour).toISOString() });
    await post('/admin-creator-feature', { user_id: gamer!.userId, position: 0, category: 'gaming' });
    const slugs = async (query = '') => (await get(`/browse-creators?sort=featured${query}`)).body.items.map((c: { profile_slug: string }) => c.profile_slug);
    expect(await slugs()).toEqual([second!.slug, first!.slug]);
    expect(await slugs('&category=gaming')).toEqual([gamer!.slug]);

    // Featuring again replaces the entry (one per creator and list), with its before and after audited.
    const moved = await post('/admin-creator-feature', { user_id: first!.userId, position: 0 });
    expect(moved.body).toMatchObject({ changed: true, before: { position: 2, headline: 'Rising' }, after: { position: 0, headline: null } });
    expect(await auditOf(moved.body.after.id)).toMatchObject({ action: 'feature', old_values: { position: 2 }, new_values: { position: 0 } });
    expect(moved.body.after.id).not.toBe(moved.body.before.id);
    expect(await slugs()).toEqual([first!.slug, second!.slug]);
    // Keyset pages keep the order.
    const page1 = await get('/browse-creators?sort=featured&limit=1');
    const page2 = await get(`/browse-creators?sort=featured&limit=1&cursor=${page1.body.page.next_cursor}`);
    expect([...page1.body.items, ...page2.body.items].map((c: { profile_slug: string }) => c.profile_slug)).toEqual([first!.slug, second!.slug]);

    const unfeatured = await post('/admin-creator-unfeature', { user_id: first!.userId });
    expect(unfeatured.body).toMatchObject({ changed: true, before: { is_active: true }, after: { is_active: false } });
    expect(await auditOf(unfeatured.body.after.id)).toMatchObject({ action: 'unfeature', new_values: { is_active: false } });
    expect(await slugs()).toEqual([second!.slug]);
    expect((await post('/admin-creator-unfeature', { user_id: first!.userId })).status).toBe(404);
    expect((await post('/admin-creator-feature', { user_id: first!.userId, position: 1, starts_at: '2026-01-02T00:00:00Z', ends_at: '2026-01-01T00:00:00Z' })).status).toBe(400);
  });

  it('hides an item from browse, search, detail, trending, the site and the sitemap at once; its owner still sees it and is told once', async () => {
    const owner = await creator('Hidden');
    const word = `zebrafish${randomUUID().slice(0, 8).replace(/\d/g, 'x')}`;
    const id = await item(owner, `The ${word} video`);
    await service((tx) => tx`SELECT refresh_trending_content(100)`);
    const visible = async () => ({
      browse: ids((await get('/browse-content?limit=100&category=gaming')).body).includes(id),
      search: ids((await get(`/search-content?q=${word}`)).body).includes(id),
      detail: (await get(`/get-content-detail?id=${id}`)).status,
      trending: (await get('/get-trending?period=all_time&limit=100')).body.items.some((i: { id: string }) => i.id === id),
      page: (await api.request('GET', `/content/${id}`)).status,
      sitemap: (await api.request('GET', '/sitemap.xml')).text.includes(id),
    });
    expect(await visible()).toEqual({ browse: true, search: true, detail: 200, trending: true, page: 200, sitemap: true });

    const hidden = await post('/admin-hide', { kind: 'content', id, reason: 'Reported as spam' });
    expect(hidden.status).toBe(200);
    expect(hidden.body).toMatchObject({ changed: true, before: { hidden_at: null, hidden_reason: null }, after: { hidden_reason: 'Reported as spam' } });
    expect(await auditOf(id)).toMatchObject({ actor_id: admin.userId, user_id: owner.userId, action: 'hide', entity_type: 'content_item',
      old_values: { hidden_at: null }, new_values: { hidden_reason: 'Reported as spam' } });
    expect(await visible()).toEqual({ browse: false, search: false, detail: 404, trending: false, page: 404, sitemap: false });
    expect(ids((await get('/my-content', owner.token)).body)).toContain(id);

    // Hiding again (a new reason) tells the owner nothing new.
    await post('/admin-hide', { kind: 'content', id, reason: 'Spam, confirmed' });
    const told = (await get('/notifications', owner.token)).body.items.filter((n: { data: { id?: string } }) => n.data.id === id);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ type: 'warning', title: 'One of your items was hidden by moderation' });
    expect(told[0].message).toMatch(/Reason: Reported as spam/);

    const restored = await post('/admin-restore', { kind: 'content', id });
    expect(restored.body).toMatchObject({ changed: true, before: { hidden_reason: 'Spam, confirmed' }, after: { hidden_at: null, hidden_reason: null } });
    expect(await auditOf(id)).toMatchObject({ action: 'restore' });
    expect((await visible()).browse).toBe(true);
    expect((await post('/admin-hide', { kind: 'content', id: randomUUID(), reason: 'x' })).status).toBe(404);
    expect((await post('/admin-hide', { kind: 'content', id, reason: '   ' })).status).toBe(400);
  });

  it('hides a creator with all their items; they still see their own profile and content', async () => {
    const owner = await creator('Banned');
    const id = await item(owner, 'A creator’s item');
    expect((await get(`/get-creator-by-slug?slug=${owner.slug}`)).status).toBe(200);
    await post('/admin-creator-feature', { user_id: owner.userId, position: 0 });
    const hidden = await post('/admin-hide', { kind: 'creator', id: owner.userId, reason: 'Impersonation' });
    expect(hidden.body).toMatchObject({ changed: true, after: { hidden_reason: 'Impersonation' } });
    expect((await get(`/get-creator-by-slug?slug=${owner.slug}`)).status).toBe(404);
    expect((await api.request('GET', `/creator/${owner.slug}`)).status).toBe(404);
    expect((await get(`/get-content-detail?id=${id}`)).status).toBe(404);
    expect((await get('/browse-creators?limit=100&sort=recent')).body.items.map((c: { profile_slug: string }) => c.profile_slug)).not.toContain(owner.slug);
    expect((await get('/browse-creators?sort=featured')).body.items.map((c: { profile_slug: string }) => c.profile_slug)).not.toContain(owner.slug);
    expect((await get('/me', owner.token)).body.profile_slug).toBe(owner.slug);
    expect(ids((await get('/my-content', owner.token)).body)).toContain(id);
    expect((await get('/notifications', owner.token)).body.items[0]).toMatchObject({ title: 'Your creator profile was hidden by moderation' });
    await post('/admin-restore', { kind: 'creator', id: owner.userId });
    expect((await get(`/get-creator-by-slug?slug=${owner.slug}`)).status).toBe(200);
  });
});

describe('admin routes: look-ups', () => {
  it('looks a user up by id or email (audited), 404 for nobody, 400 for neither or both', async () => {
    const user = await api.signUp({ email: `Look.Up.${randomUUID()}@Example.com` });
    // Case-insensitive, as emails are (citext).
    const byEmail = await get(`/admin-user?email=${encodeURIComponent(user.email.toUpperCase())}`, admin.token);
    expect(byEmail.status).toBe(200);
    expect(byEmail.body).toMatchObject({ id: user.userId, email: user.email.toLowerCase(), roles: [], tier: 'free', hidden_at: null, active_jobs: 0 });
    expect(byEmail.body.quotas).toContainEqual({ quota_type: 'sync', used: 0, limit: 30 });
    expect((await get(`/admin-user?id=${user.userId}`, admin.token)).body.email).toBe(user.email.toLowerCase());
    expect(await auditOf(user.userId)).toMatchObject({ action: 'lookup', actor_id: admin.userId });
    expect((await get(`/admin-user?id=${randomUUID()}`, admin.token)).status).toBe(404);
    expect((await get('/admin-user', admin.token)).status).toBe(400);
    expect((await get(`/admin-user?id=${user.userId}&email=a@b.c`, admin.token)).status).toBe(400);
  });

  it('lists jobs across users by status, kind, user and time, keyset-paged; and reports stuck and failing kinds', async () => {
    const [a, b] = [await api.signUp(), await api.signUp()];
    const create = (userId: string) => service(async (tx) => (await tx`SELECT create_job(${userId}, 'quota_reset', ${tx.json({ n: randomUUID() })}, 5, now()) AS id`)[0]!.id as string);
    const [a1, a2, b1] = [await create(a.userId), await create(a.userId), await create(b.userId)];
    await service((tx) => tx`UPDATE job_queue SET status = 'failed', completed_at = now(), error_message = 'broken' WHERE id = ${a2}`);
    await service((tx) => tx`UPDATE job_queue SET status = 'processing', worker_id = 'w', started_at = now() - interval '1 hour',
                             heartbeat_at = now() - interval '20 minutes' WHERE id = ${b1}`);
    const list = async (query: string) => (await get(`/admin-jobs?${query}`, admin.token)).body;
    expect(ids(await list(`user_id=${a.userId}`))).toEqual([a2, a1]);
    expect(ids(await list(`user_id=${a.userId}&status=failed`))).toEqual([a2]);
    expect(ids(await list(`user_id=${b.userId}&job_type=quota_reset`))).toEqual([b1]);
    expect(ids(await list(`user_id=${a.userId}&from=${new Date(Date.now() + 60_000).toISOString()}`))).toEqual([]);
    const first = await list(`user_id=${a.userId}&limit=1`);
    const second = await list(`user_id=${a.userId}&limit=1&cursor=${first.page.next_cursor}`);
    expect([...ids(first), ...ids(second)]).toEqual([a2, a1]);
    expect(second.page).toMatchObject({ has_more: false, next_cursor: null });
    expect((await get('/admin-jobs?status=done', admin.token)).status).toBe(400);

    const health = (await get('/admin-job-health', admin.token)).body;
    const kind = health.kinds.find((k: { job_type: string }) => k.job_type === 'quota_reset');
    expect(kind).toMatchObject({ job_category: 'quota_reset', queue: 'maintenance', stuck: 1, processing: 1, failed: 1 });
    expect(kind.pending).toBeGreaterThanOrEqual(1);
    expect(kind.failure_rate).toBeGreaterThan(0);
  });
});
