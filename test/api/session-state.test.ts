import type { Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asService } from '../../db/context.ts';
import { signStripePayload } from '../../functions/billing/signature.ts';
import { db } from '../../functions/_shared/db.ts';
import { httpRoutes } from '../../functions/manifest.ts';
import { LOCAL_INDEXNOW_KEY, LOCAL_STRIPE_WEBHOOK_SECRET } from '../../local/stack.ts';
import { PLATFORMS, type Platform } from '../../functions/oauth/providers/port.ts';
import { consent, cookieOf, followCallback, type StartedFlow } from '../oauth-browser.ts';
import { startTestApi, type ApiResponse, type TestApi, waitFor } from '../api.ts';
import { buildDiscoveryWorld, type DiscoveryWorld } from './discovery-world.ts';

// The app's client as the CDK app configures it for Lambdas (no named prepared statements), with exactly one
// connection, so every request, job and task below runs on the connection the checks then inspect. db() reads
// the environment when first used: set before the stack starts.
process.env.DB_PREPARE = 'false';
process.env.DB_POOL_MAX = '1';

let api: TestApi;
let world: DiscoveryWorld;
beforeAll(async () => {
  api = await startTestApi('api_session_state');
  world = await buildDiscoveryWorld(api.db.app, { extraCreators: 3 });
});
afterAll(async () => { await api?.stop(); });

/**
 * What RDS Proxy would pin a client connection for, on `sql`'s connection between transactions: named prepared
 * statements, session advisory locks, LISTEN, settings changed for the session (SET without LOCAL, set_config(…,
 * false)), a role left SET, temporary relations, holdable cursors. All empty on a connection the proxy may share.
 */
async function sessionState(sql: Sql) {
  const [state] = await sql`
    SELECT pg_backend_pid() AS pid,
           ARRAY(SELECT name FROM pg_prepared_statements ORDER BY name) AS prepared,
           ARRAY(SELECT objid::text FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory') AS advisory_locks,
           ARRAY(SELECT pg_listening_channels()) AS listening,
           ARRAY(SELECT name || '=' || setting FROM pg_settings WHERE source = 'session' ORDER BY name) AS session_settings,
           current_setting('role') AS role, current_user = session_user AS own_role,
           (SELECT count(*)::int FROM pg_class WHERE relnamespace = pg_my_temp_schema()) AS temp_relations,
           (SELECT count(*)::int FROM pg_cursors WHERE is_holdable) AS cursors`;
  const { pid, ...rest } = state!;
  return { pid: pid as number, state: rest };
}
const CLEAN = { prepared: [], advisory_locks: [], listening: [], session_settings: [], role: 'none', own_role: true, temp_relations: 0, cursors: 0 };

// Jobs due now (the auto-sync and follower-sync tasks spread theirs over the coming minutes and hours).
const unfinishedJobs = () => asService(api.db.app, (tx) => tx`SELECT id FROM job_queue WHERE status IN ('pending', 'processing') AND scheduled_for <= now()`);

describe('RDS Proxy can multiplex what the Lambdas send: no session state is left on the app client\'s connection', () => {
  it('after every route of every feature, a job through the worker and every scheduled task, in the AWS configuration (prepare: false)', async () => {
    const before = await sessionState(db());
    const admin = await api.signUp({ roles: ['admin'] });
    const { token } = admin;
    // Checkout is for a free user: the admin below is on premium.
    const payer = await api.signUp();
    const item = world.discoverable[0]!;
    const creator = world.users.alice.slug;
    const word = Object.values(world.items)[0]!.split(/\s+/).find((w) => w.length > 3)!;
    let jobId = '';
    let myItemId = '';
    // Premium: room for an account on each of the five platforms.
    await api.db.owner`INSERT INTO subscription (user_id, tier_id, status_id) SELECT ${admin.userId}, t.id, s.id
                       FROM subscription_tier t, subscription_status s WHERE t.slug = 'premium' AND s.slug = 'active'`;
    const flows: Partial<Record<Platform, StartedFlow>> = {};
    let aiItemId = '';
    let suggestionId = '';
    let seoConnectionId = '';
    const stripeEvent = JSON.stringify({ id: `evt_session_${Date.now()}`, object: 'event', type: 'checkout.session.completed', created: Math.floor(Date.now() / 1000),
      livemode: false, data: { object: { id: 'cs_session', object: 'checkout.session', mode: 'subscription', customer: 'cus_session', client_reference_id: admin.userId } } });
    // One valid request per route, in an order where each finds what it needs; the route list is the manifest's.
    const requests: Record<string, () => Promise<ApiResponse>> = {
      'POST /auth-profile-setup': () => api.request('POST', '/auth-profile-setup', { token, body: { display_name: 'Session State', primary_category: 'gaming' } }),
      'GET /me': () => api.request('GET', '/me', { token }),
      'PATCH /me': () => api.request('PATCH', '/me', { token, body: { bio: 'no session state', settings: { theme: 'dark' } } }),
      'GET /notifications': () => api.request('GET', '/notifications', { token }),
      'POST /notifications-mark-read': () => api.request('POST', '/notifications-mark-read', { token, body: { all: true } }),
      'POST /admin-run-job': async () => {
        const res = await api.request('POST', '/admin-run-job', { token, body: { job_type: 'trending_refresh' } });
        jobId = res.body.job_id;
        await waitFor(async () => (await api.request('GET', `/job-status?job_id=${jobId}`, { token })).body.status === 'completed', 30_000);
        return res;
      },
      'GET /job-status': () => api.request('GET', `/job-status?job_id=${jobId}`, { token }),
      'GET /jobs': () => api.request('GET', '/jobs', { token }),
      'GET /job-logs': () => api.request('GET', `/job-logs?job_id=${jobId}`, { token }),
      'POST /job-cancel': async () => {
        const [pending] = await asService(api.db.app, (tx) => tx`
          SELECT create_job(${admin.userId}, 'quota_reset', '{}'::jsonb, 5, now() + interval '1 day') AS id`);
        return api.request('POST', '/job-cancel', { token, body: { job_id: pending!.id } });
      },
      'GET /job-stats': () => api.request('GET', '/job-stats', { token }),
      'POST /billing-checkout': () => api.request('POST', '/billing-checkout', { token: payer.token, body: { tier: 'premium', interval: 'year' } }),
      'POST /billing-portal': () => api.request('POST', '/billing-portal', { token: payer.token }),
      'GET /billing': () => api.request('GET', '/billing', { token: payer.token }),
      'GET /admin-subscriptions': () => api.request('GET', '/admin-subscriptions?status=active', { token }),
      'POST /stripe-webhook': () => api.request('POST', '/stripe-webhook', { rawBody: stripeEvent, headers: { 'stripe-signature': signStripePayload(stripeEvent, LOCAL_STRIPE_WEBHOOK_SECRET) } }),
      'GET /browse-content': () => api.request('GET', '/browse-content?category=gaming&limit=5'),
      'GET /browse-creators': () => api.request('GET', '/browse-creators?limit=5'),
      'GET /browse-categories': () => api.request('GET', '/browse-categories'),
      'GET /search-content': () => api.request('GET', `/search-content?q=${encodeURIComponent(word)}`),
      'GET /search-creators': () => api.request('GET', '/search-creators?q=alice'),
      'GET /get-trending': () => api.request('GET', '/get-trending?period=week'),
      'GET /get-content-detail': () => api.request('GET', `/get-content-detail?id=${item}`),
      'GET /get-creator-by-slug': () => api.request('GET', `/get-creator-by-slug?slug=${creator}`),
      'GET /get-seo-metadata': () => api.request('GET', `/get-seo-metadata?type=content&id=${item}`),
      'POST /track-click': () => api.request('POST', '/track-click', { body: { content_id: item } }),
      'GET /sitemap.xml': () => api.request('GET', '/sitemap.xml'),
      'GET /robots.txt': () => api.request('GET', '/robots.txt'),
      'GET /creator/{slug}': () => api.request('GET', `/creator/${creator}`),
      'GET /content/{id}': () => api.request('GET', `/content/${item}`),
      'GET /{file}': () => api.request('GET', `/${LOCAL_INDEXNOW_KEY}.txt`),
      ...Object.fromEntries(PLATFORMS.flatMap((platform) => [
        [`GET /oauth-${platform}-init`, async () => {
          const res = await api.request('GET', `/oauth-${platform}-init`, { token });
          flows[platform] = { authorizationUrl: res.body.authorization_url, state: res.body.state, cookie: cookieOf(res.headers.get('set-cookie')) };
          return res;
        }],
        [`GET /oauth-${platform}-callback`, async () => {
          const flow = flows[platform]!;
          return (await followCallback(api, await consent(flow.authorizationUrl, { login: `session-${platform}` }), flow.cookie)).answer;
        }],
      ])),
      'GET /ai-settings': () => api.request('GET', '/ai-settings', { token }),
      'PATCH /ai-settings': () => api.request('PATCH', '/ai-settings', { token, body: { tone: 'casual' } }),
      'POST /ai-generate-tags': async () => {
        const [created] = await asService(api.db.app, (tx) => tx`
          INSERT INTO content_item (social_account_id, user_id, platform_id, content_type_id, platform_content_id, title, description)
          SELECT a.id, a.user_id, a.platform_id, (SELECT id FROM content_type WHERE slug = 'post'), 'session-ai-item', 'Session AI item',
                 'Latte art and espresso tips for a session test' FROM social_account a WHERE a.user_id = ${admin.userId} LIMIT 1 RETURNING id`);
        aiItemId = created!.id;
        const res = await api.request('POST', '/ai-generate-tags', { token, body: { content_item_id: aiItemId } });
        await waitFor(async () => (await api.request('GET', `/job-status?job_id=${res.body.job_id}`, { token })).body.status === 'completed', 30_000);
        return res;
      },
      'GET /ai-suggestions': async () => {
        const res = await api.request('GET', `/ai-suggestions?content_item_id=${aiItemId}`, { token });
        suggestionId = res.body.items[0].id;
        return res;
      },
      'POST /ai-apply-suggestion': () => api.request('POST', '/ai-apply-suggestion', { token, body: { suggestion_id: suggestionId } }),
      'POST /ai-bulk-tag': () => api.request('POST', '/ai-bulk-tag', { token, body: { content_item_ids: [aiItemId] } }),
      'GET /admin-ai-costs': () => api.request('GET', '/admin-ai-costs', { token }),
      'POST /admin-role-grant': () => api.request('POST', '/admin-role-grant', { token, body: { user_id: world.users.bob.id, role: 'moderator' } }),
      'POST /admin-role-revoke': () => api.request('POST', '/admin-role-revoke', { token, body: { user_id: world.users.bob.id, role: 'moderator' } }),
      'POST /admin-creator-verify': () => api.request('POST', '/admin-creator-verify', { token, body: { user_id: world.users.alice.id, verified: true } }),
      'POST /admin-creator-feature': () => api.request('POST', '/admin-creator-feature', { token, body: { user_id: world.users.alice.id, position: 1 } }),
      'POST /admin-creator-unfeature': () => api.request('POST', '/admin-creator-unfeature', { token, body: { user_id: world.users.alice.id } }),
      'POST /admin-hide': () => api.request('POST', '/admin-hide', { token, body: { kind: 'content', id: item, reason: 'session test' } }),
      'POST /admin-restore': () => api.request('POST', '/admin-restore', { token, body: { kind: 'content', id: item } }),
      'GET /admin-user': () => api.request('GET', `/admin-user?id=${world.users.alice.id}`, { token }),
      'GET /admin-jobs': () => api.request('GET', '/admin-jobs?status=completed', { token }),
      'GET /admin-job-health': () => api.request('GET', '/admin-job-health', { token }),
      'GET /admin-dead-letters': () => api.request('GET', '/admin-dead-letters?queue=seo', { token }),
      'POST /admin-dead-letters-redrive': () => api.request('POST', '/admin-dead-letters-redrive', { token, body: { queue: 'seo' } }),
      'PUT /seo-settings': () => api.request('PUT', '/seo-settings', { token, body: { auto_submit: true } }),
      'GET /seo-settings': () => api.request('GET', '/seo-settings', { token }),
      'POST /seo-connections': async () => {
        const site = `${process.env.PUBLIC_SITE_URL}/`;
        const key = api.stack.seo.google.serviceAccount({ name: 'session-state' });
        api.stack.seo.google.own(key.client_email, site);
        const res = await api.request('POST', '/seo-connections', { token, body: { search_engine: 'google', site_url: site, service_account_key: JSON.stringify(key) } });
        seoConnectionId = res.body.id;
        return res;
      },
      'GET /seo-connections': () => api.request('GET', '/seo-connections', { token }),
      'POST /submit-to-seo': async () => {
        await asService(api.db.app, (tx) => tx`UPDATE users SET is_public = true WHERE id = ${admin.userId}`);
        const res = await api.request('POST', '/submit-to-seo', { token, body: { content_item_id: aiItemId, search_engine: 'google' } });
        await waitFor(async () => (await api.request('GET', `/job-status?job_id=${res.body.job_id}`, { token })).body.status === 'completed', 30_000);
        return res;
      },
      'GET /seo-submissions': () => api.request('GET', '/seo-submissions', { token }),
      'DELETE /seo-connections': () => api.request('DELETE', `/seo-connections?id=${seoConnectionId}`, { token }),
      ...Object.fromEntries(PLATFORMS.map((platform) => [`POST /sync-${platform}`, () => api.request('POST', `/sync-${platform}`, { token, body: {} })])),
      'GET /my-content': async () => {
        // An item on one of the accounts the callbacks above connected, as the sync would write it.
        const [created] = await asService(api.db.app, (tx) => tx`
          INSERT INTO content_item (social_account_id, user_id, platform_id, content_type_id, platform_content_id, title)
          SELECT a.id, a.user_id, a.platform_id, (SELECT id FROM content_type WHERE slug = 'post'), 'session-item', 'Session item'
          FROM social_account a WHERE a.user_id = ${admin.userId} LIMIT 1 RETURNING id`);
        myItemId = created!.id;
        return api.request('GET', '/my-content?include_deleted=true&q=session', { token });
      },
      'PATCH /my-content': () => api.request('PATCH', '/my-content', { token, body: { content_id: myItemId, title: 'Edited', tags: ['session'] } }),
      'DELETE /my-content': () => api.request('DELETE', `/my-content?content_id=${myItemId}`, { token }),
      'GET /connections': () => api.request('GET', '/connections', { token }),
      'POST /oauth-disconnect': async () => {
        const { body } = await api.request('GET', '/connections', { token });
        return api.request('POST', '/oauth-disconnect', { token, body: { social_account_id: body.connections[0].social_account_id } });
      },
    };
    const routes = httpRoutes().map(({ route }) => `${route.method} ${route.path}`);
    expect(Object.keys(requests).sort()).toEqual([...routes].sort());

    for (const [route, request] of Object.entries(requests)) {
      const res = await request();
      expect(res.status, `${route}: ${res.text.slice(0, 200)}`).toBeLessThan(400);
      if (route.endsWith('-callback')) expect(res.headers.get('location'), route).toMatch(/\?connected=/);
    }
    for (const task of api.stack.scheduler.tasks) await api.stack.scheduler.run(task.name);
    await waitFor(async () => (await unfinishedJobs()).length === 0, 30_000); // the jobs the tasks started, through the worker
    const after = await sessionState(db());

    expect(after.pid, 'one connection served everything (DB_POOL_MAX=1), never replaced').toBe(before.pid);
    expect(after.state).toEqual(CLEAN);
  });

  it('would catch a Lambda leaving session state: SET, PREPARE, a session advisory lock, LISTEN, SET ROLE, a temporary table', async () => {
    const sql = db();
    await sql.unsafe('SET work_mem = \'8MB\'');
    await sql.unsafe('SELECT set_config(\'enable_hashjoin\', \'off\', false)');
    await sql.unsafe('PREPARE leftover AS SELECT 1');
    await sql.unsafe('SELECT pg_advisory_lock(42)');
    await sql.unsafe('LISTEN job_status');
    await sql.unsafe('CREATE TEMPORARY TABLE leftover (id int)');
    await sql.unsafe('SET ROLE anon');

    const { state } = await sessionState(sql);
    await sql.unsafe('DISCARD ALL');

    expect(state).toEqual({
      prepared: ['leftover'], advisory_locks: ['42'], listening: ['job_status'], session_settings: ['enable_hashjoin=off', 'work_mem=8192'],
      role: 'anon', own_role: false, temp_relations: 1, cursors: 0,
    });
    expect((await sessionState(sql)).state).toEqual(CLEAN);
  });
});
