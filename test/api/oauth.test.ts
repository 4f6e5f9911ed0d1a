import { GetSecretValueCommand, ListSecretsCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { asService } from '../../db/context.ts';
import { db } from '../../functions/_shared/db.ts';
import { PLATFORMS, type Platform } from '../../functions/oauth/providers/port.ts';
import { refreshConnection } from '../../functions/oauth/refresh.ts';
import { tokenVault } from '../../functions/oauth/vault.ts';
import { startTestApi, type TestApi, waitFor } from '../api.ts';
import { connectAccount, consent, followCallback, startFlow } from '../oauth-browser.ts';

// Every log line the functions write, down to debug, is captured for the token scan (and kept off the test output).
vi.hoisted(() => { process.env.LOG_LEVEL = 'DEBUG'; });

let api: TestApi;
let secrets: SecretsManagerClient;
/** Everything the process wrote (the functions' logs included: they run in this process), for the token scan. */
const output: string[] = [];
const restoreOutput: (() => void)[] = [];

beforeAll(async () => {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      output.push(text);
      return text.startsWith('{"level"') || (rest.length > 0 && typeof rest.at(-1) !== 'function') ? true : write(chunk, ...rest);
    }) as typeof stream.write;
    restoreOutput.push(() => { stream.write = write; });
  }
  api = await startTestApi('api_oauth');
  secrets = new SecretsManagerClient({ endpoint: api.stack.secretsEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});
afterAll(async () => {
  secrets?.destroy();
  await api?.stop();
  for (const restore of restoreOutput) restore();
});

const service = <T>(work: Parameters<typeof asService<T>>[1]) => asService(api.db.app, work);
const sandbox = () => api.stack.platforms;

async function connectionsOf(userId: string) {
  return service((tx) => tx`
    SELECT c.id, c.vault_secret_name, c.is_active, c.token_expires_at, cs.slug AS status, p.slug AS platform,
           a.id AS account_id, a.display_name, a.handle, a.follower_count, a.deleted_at, a.platform_account_id
    FROM platform_connection c JOIN platform p ON p.id = c.platform_id JOIN account_status cs ON cs.id = c.status_id
    LEFT JOIN social_account a ON a.connection_id = c.id
    WHERE c.user_id = ${userId} ORDER BY c.created_at`);
}
const secretValue = async (name: string) =>
  JSON.parse((await secrets.send(new GetSecretValueCommand({ SecretId: name }))).SecretString!) as { accessToken: string; refreshToken?: string };
/** A premium user: 20 accounts, so the flow tests never meet the tier limit (its own test does). */
async function premiumUser() {
  const user = await api.signUp();
  await api.db.owner`
    INSERT INTO subscription (user_id, tier_id, status_id, cycle_start_date, cycle_end_date)
    SELECT ${user.userId}, t.id, s.id, now(), now() + interval '30 days' FROM subscription_tier t, subscription_status s
    WHERE t.slug = 'premium' AND s.slug = 'active'
    ON CONFLICT (user_id) DO UPDATE SET tier_id = EXCLUDED.tier_id, status_id = EXCLUDED.status_id`;
  return user;
}

/** What each provider's authorize URL must carry: its real host and path, read-only scopes, PKCE where it takes it. */
const AUTHORIZE: Record<Platform, { host: string; path: string; scopes: RegExp; pkce: 'base64url' | 'hex' | 'none' }> = {
  youtube: { host: 'accounts.google.com', path: '/o/oauth2/v2/auth', scopes: /^https:\/\/www\.googleapis\.com\/auth\/youtube\.readonly$/, pkce: 'base64url' },
  instagram: { host: 'www.instagram.com', path: '/oauth/authorize', scopes: /^instagram_business_basic$/, pkce: 'none' },
  tiktok: { host: 'www.tiktok.com', path: '/v2/auth/authorize/', scopes: /^user\.info\.basic,/, pkce: 'hex' },
  facebook: { host: 'www.facebook.com', path: '/dialog/oauth', scopes: /^pages_show_list,pages_read_engagement$/, pkce: 'none' },
  twitter: { host: 'x.com', path: '/i/oauth2/authorize', scopes: /^tweet\.read users\.read offline\.access$/, pkce: 'base64url' },
};

describe.each(PLATFORMS)('connecting %s', (platform) => {
  it('sends the browser to the provider’s real authorize endpoint, then saves the connection and lands on the app', async () => {
    const user = await premiumUser();
    const flow = await startFlow(api, platform, user.token);
    const url = new URL(flow.authorizationUrl);
    const expected = AUTHORIZE[platform];
    expect(url.href.startsWith(`${sandbox().url}/${expected.host}/`)).toBe(true);
    expect(url.pathname.endsWith(expected.path)).toBe(true);
    expect(url.searchParams.get('state')).toBe(flow.state);
    expect(url.searchParams.get('scope')).toMatch(expected.scopes);
    const challenge = url.searchParams.get('code_challenge');
    if (expected.pkce === 'none') expect(challenge).toBeNull();
    else {
      expect(url.searchParams.get('code_challenge_method')).toBe('S256');
      expect(challenge).toMatch(expected.pkce === 'hex' ? /^[0-9a-f]{64}$/ : /^[A-Za-z0-9_-]{43}$/);
    }
    expect(flow.cookie).toMatch(new RegExp(`^sv_oauth_${platform}=[A-Za-z0-9_-]{43}$`));

    const { landing, answer } = await connectAccount(api, platform, user.token, `creator-${platform}`);
    expect(landing.pathname).toBe('/app/connections');
    expect(Object.fromEntries(landing.searchParams)).toEqual({ connected: platform });
    expect(answer.headers.get('set-cookie')).toMatch(new RegExp(`^sv_oauth_${platform}=; .*Max-Age=0`));

    const [connection] = await connectionsOf(user.userId);
    expect(connection).toMatchObject({ platform, is_active: true, status: 'active', deleted_at: null });
    expect(connection!.vault_secret_name).toMatch(new RegExp(`^streamvibe/local/oauth/${platform}/[0-9a-f-]{36}$`));
    expect(connection!.display_name).toBeTruthy();
    expect(Number(connection!.follower_count)).toBeGreaterThan(0);
    expect((await secretValue(connection!.vault_secret_name)).accessToken).toBeTruthy();

    const list = await api.request('GET', '/connections', { token: user.token });
    expect(list.status).toBe(200);
    expect(list.body.connections).toEqual([expect.objectContaining({
      social_account_id: connection!.account_id, platform, status: 'active', needs_reconnect: false, display_name: connection!.display_name,
    })]);
    expect(list.text).not.toContain('streamvibe/local/oauth');

    // The same account again (a reconnect): the same rows, a new secret, the old one deleted.
    await connectAccount(api, platform, user.token, `creator-${platform}`);
    const [again] = await connectionsOf(user.userId);
    expect(again!.id).toBe(connection!.id);
    expect(again!.vault_secret_name).not.toBe(connection!.vault_secret_name);
    await expect(secrets.send(new GetSecretValueCommand({ SecretId: connection!.vault_secret_name }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('a returning state that is not right', () => {
  const failures = async (userId: string) => (await connectionsOf(userId)).length;

  it('forged, expired, replayed, another browser’s, without code, or declined: each its own error, and no row', async () => {
    const alice = await premiumUser();
    const bob = await premiumUser();
    const land = async (callback: URL, cookie: string | undefined) => Object.fromEntries((await followCallback(api, callback, cookie)).landing.searchParams);

    // Forged: a well-formed state nobody issued.
    const aliceFlow = await startFlow(api, 'youtube', alice.token);
    const forged = new URL(`/oauth-youtube-callback?code=anything&state=${randomBytes(32).toString('base64url')}`, api.url);
    expect(await land(forged, aliceFlow.cookie)).toEqual({ error: 'invalid_state', platform: 'youtube' });
    // A state of another platform is forged for this one.
    const tiktokFlow = await startFlow(api, 'tiktok', alice.token);
    expect(await land(new URL(`/oauth-youtube-callback?code=x&state=${tiktokFlow.state}`, api.url), aliceFlow.cookie))
      .toEqual({ error: 'invalid_state', platform: 'youtube' });

    // Another user's: Bob's browser brings Alice's state (a link Alice sent him).
    const stolen = await consent(aliceFlow.authorizationUrl, { login: 'bob-account' });
    const bobFlow = await startFlow(api, 'youtube', bob.token);
    expect(await land(stolen, bobFlow.cookie)).toEqual({ error: 'state_mismatch', platform: 'youtube' });
    // Replayed: the state is spent, even by that refusal; and no cookie at all is a mismatch too.
    expect(await land(stolen, aliceFlow.cookie)).toEqual({ error: 'state_used', platform: 'youtube' });
    const noCookie = await startFlow(api, 'youtube', alice.token);
    expect(await land(await consent(noCookie.authorizationUrl, { login: 'alice' }), undefined)).toEqual({ error: 'state_mismatch', platform: 'youtube' });

    // Expired: past its ten minutes.
    const late = await startFlow(api, 'twitter', alice.token);
    const lateCallback = await consent(late.authorizationUrl, { login: 'alice' });
    await api.db.owner`UPDATE oauth.pending_authorization SET created_at = now() - interval '11 minutes', expires_at = now() - interval '1 minute'
                       WHERE user_id = ${alice.userId} AND platform_slug = 'twitter' AND used_at IS NULL`;
    expect(await land(lateCallback, late.cookie)).toEqual({ error: 'state_expired', platform: 'twitter' });

    // Missing code.
    const noCode = await startFlow(api, 'instagram', alice.token);
    expect(await land(new URL(`/oauth-instagram-callback?state=${noCode.state}`, api.url), noCode.cookie)).toEqual({ error: 'missing_code', platform: 'instagram' });
    // Declined at the provider.
    const declined = await startFlow(api, 'facebook', alice.token);
    expect(await land(await consent(declined.authorizationUrl, { login: 'alice', decision: 'deny' }), declined.cookie))
      .toEqual({ error: 'access_denied', platform: 'facebook' });
    // A replayed successful callback.
    const { callback, flow } = await connectAccount(api, 'tiktok', alice.token, 'alice-tiktok');
    expect(await land(callback, flow.cookie)).toEqual({ error: 'state_used', platform: 'tiktok' });

    expect(await failures(bob.userId)).toBe(0);
    expect((await connectionsOf(alice.userId)).map((c) => c.platform)).toEqual(['tiktok']);
    // Nothing of a pending authorization is in public; states are stored hashed.
    const [tables] = await api.db.owner`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`;
    expect(tables!.n).toBe(38);
    const stored = await api.db.owner`SELECT encode(state_hash, 'hex') AS h FROM oauth.pending_authorization WHERE user_id = ${alice.userId}`;
    expect(JSON.stringify(stored)).not.toContain(aliceFlow.state);
  });

  it('never reflects the query: script and quotes in every parameter come back as a fixed code', async () => {
    const hostile = `<script>alert("x")</script>'"&`;
    const query = new URLSearchParams({ code: hostile, state: hostile, error: hostile, error_description: hostile });
    const { answer, landing } = await followCallback(api, new URL(`/oauth-twitter-callback?${query}`, api.url), `sv_oauth_twitter=${encodeURIComponent(hostile)}`);
    expect(answer.text).toBe('');
    expect(Object.fromEntries(landing.searchParams)).toEqual({ error: 'invalid_state', platform: 'twitter' });
    expect(answer.headers.get('location')).not.toMatch(/script|alert|%3C|</i);
    // The local app page escapes what it shows.
    const page = await fetch(`${api.url}/app/connections?error=${encodeURIComponent(hostile)}&platform=${encodeURIComponent(hostile)}`);
    const html = await page.text();
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;');
  });
});

describe('token refresh', () => {
  const expireSoon = (connectionId: string) => api.db.owner`
    UPDATE platform_connection SET token_expires_at = now() + interval '5 minutes', last_refreshed_at = now() - interval '1 hour' WHERE id = ${connectionId}`;
  const tokenCalls = (platform: Platform) => {
    const endpoint = {
      youtube: { host: 'oauth2.googleapis.com', path: '/token' }, twitter: { host: 'api.x.com', path: '/2/oauth2/token' },
      tiktok: { host: 'open.tiktokapis.com', path: '/v2/oauth/token/' }, instagram: { host: 'graph.instagram.com', path: '/refresh_access_token' },
      facebook: { host: 'graph.facebook.com', path: '/v23.0/oauth/access_token' },
    }[platform];
    return sandbox().calls(endpoint).length;
  };
  /** Instagram refreshes only tokens at least a day old: age the sandbox's record of it. */
  const ageTokens = () => { for (const token of sandbox().state.tokens.values()) token.issuedAt -= 25 * 3600 * 1000; };

  it.each(PLATFORMS)('%s: the schedule enqueues a job for an expiring token; the worker refreshes it through the provider', async (platform) => {
    const user = await premiumUser();
    await connectAccount(api, platform, user.token, `refresh-${platform}`);
    const [connection] = await connectionsOf(user.userId);
    const before = await secretValue(connection!.vault_secret_name);
    await expireSoon(connection!.id);
    ageTokens();
    const result = await api.stack.scheduler.run('token-refresh') as { enqueued: number };
    expect(result.enqueued).toBeGreaterThanOrEqual(1);
    // A second run while the job is pending or done adds nothing for this connection (dedupe, or no longer expiring).
    const job = await waitFor(async () => {
      const [row] = await service((tx) => tx`SELECT status, result, params, retry_count FROM job_queue WHERE job_type_id = (SELECT id FROM job_type WHERE slug = 'token_refresh')
                                             AND params->>'connection_id' = ${connection!.id} ORDER BY created_at DESC LIMIT 1`);
      return row?.status === 'completed' && row;
    });
    expect(job.result).toMatchObject({ outcome: 'refreshed' });
    const [after] = await connectionsOf(user.userId);
    expect(new Date(after!.token_expires_at).getTime()).toBeGreaterThan(Date.now() + 30 * 60_000);
    const fresh = await secretValue(connection!.vault_secret_name);
    expect(fresh.accessToken).not.toBe(before.accessToken);
    // Rotating refresh tokens (TikTok, X) are replaced; Google keeps its own.
    if (platform === 'tiktok' || platform === 'twitter') expect(fresh.refreshToken).not.toBe(before.refreshToken);
    if (platform === 'youtube') expect(fresh.refreshToken).toBe(before.refreshToken);
    expect((await api.stack.scheduler.run('token-refresh') as { expiring: number }).expiring).toBe(0);
  });

  it.each(['tiktok', 'twitter'] as const)('%s: two refreshes racing make one provider call (a single-use refresh token is spent once)', async (platform) => {
    const user = await premiumUser();
    await connectAccount(api, platform, user.token, `race-${platform}`);
    const [connection] = await connectionsOf(user.userId);
    await expireSoon(connection!.id);
    const calls = tokenCalls(platform);
    const outcomes = await Promise.all([1, 2, 3].map(() => refreshConnection(db(), tokenVault(), connection!.id)));
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['fresh', 'fresh', 'refreshed']);
    expect(tokenCalls(platform) - calls).toBe(1);
  });

  it.each(PLATFORMS)('%s: a revoked grant marks the account for reconnection and tells the user, without burning retries', async (platform) => {
    const user = await premiumUser();
    await connectAccount(api, platform, user.token, `revoked-${platform}`);
    const [connection] = await connectionsOf(user.userId);
    for (const token of sandbox().state.tokens.values()) if (token.account.login === `revoked-${platform}`) token.revoked = true;
    await expireSoon(connection!.id);
    ageTokens();
    await api.stack.scheduler.run('token-refresh');
    const job = await waitFor(async () => {
      const [row] = await service((tx) => tx`SELECT status, result, retry_count FROM job_queue WHERE params->>'connection_id' = ${connection!.id} ORDER BY created_at DESC LIMIT 1`);
      return row?.status === 'completed' && row;
    });
    expect(job).toMatchObject({ result: { outcome: 'needs_reconnect' }, retry_count: 0 });
    const [after] = await connectionsOf(user.userId);
    expect(after!.status).toBe('disconnected');
    const list = await api.request('GET', '/connections', { token: user.token });
    expect(list.body.connections[0]).toMatchObject({ status: 'disconnected', needs_reconnect: true });
    const notes = await api.request('GET', '/notifications', { token: user.token });
    expect(JSON.stringify(notes.body)).toContain(`Reconnect your ${platform} account`);
    // Reconnecting makes it active again.
    await connectAccount(api, platform, user.token, `revoked-${platform}`);
    expect((await connectionsOf(user.userId))[0]!.status).toBe('active');
  });
});

describe('disconnecting', () => {
  it.each(PLATFORMS)('%s: revokes where the provider can, deletes the secret, deactivates the account', async (platform) => {
    const user = await premiumUser();
    await connectAccount(api, platform, user.token, `leaving-${platform}`);
    const [connection] = await connectionsOf(user.userId);
    const other = await premiumUser();
    const notMine = await api.request('POST', '/oauth-disconnect', { token: other.token, body: { social_account_id: connection!.account_id } });
    expect(notMine.status).toBe(404);

    const answer = await api.request('POST', '/oauth-disconnect', { token: user.token, body: { social_account_id: connection!.account_id } });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({ social_account_id: connection!.account_id, platform, revoked_at_provider: platform !== 'instagram' });
    await expect(secrets.send(new GetSecretValueCommand({ SecretId: connection!.vault_secret_name }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    const [after] = await connectionsOf(user.userId);
    expect(after).toMatchObject({ is_active: false, status: 'disconnected' });
    expect(after!.deleted_at).not.toBeNull();
    expect((await api.request('GET', '/connections', { token: user.token })).body.connections).toEqual([]);
    expect((await api.request('POST', '/oauth-disconnect', { token: user.token, body: { social_account_id: connection!.account_id } })).status).toBe(404);
  });
});

describe('the tier’s account limit', () => {
  it('20 concurrent callbacks of a free user for distinct accounts: exactly the limit connect, the rest land on limit_reached, no secret left behind', async () => {
    const user = await api.signUp();
    const [quota] = await service((tx) => tx`SELECT max_social_accounts FROM effective_quota(${user.userId})`);
    const limit = quota!.max_social_accounts as number;
    expect(limit).toBe(2);
    const flows = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
      const flow = await startFlow(api, 'youtube', user.token);
      return { flow, callback: await consent(flow.authorizationUrl, { login: `limit-${i}` }) };
    }));
    const landings = await Promise.all(flows.map(({ flow, callback }) => followCallback(api, callback, flow.cookie)));
    const outcomes = landings.map(({ landing }) => landing.searchParams.get('connected') ?? landing.searchParams.get('error'));
    expect(outcomes.filter((o) => o === 'youtube')).toHaveLength(limit);
    expect(outcomes.filter((o) => o === 'limit_reached')).toHaveLength(20 - limit);
    const connections = await connectionsOf(user.userId);
    expect(connections).toHaveLength(limit);
    const listed = await secrets.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['streamvibe/local/oauth/youtube/'] }] }));
    const live = new Set((await service((tx) => tx`SELECT vault_secret_name FROM platform_connection WHERE is_active`)).map((r) => r.vault_secret_name as string));
    for (const secret of listed.SecretList ?? []) expect(live.has(secret.Name!), `orphaned secret ${secret.Name}`).toBe(true);
  });
});

describe('tokens stay in the vault', () => {
  it('no access or refresh token is in the database, a log line, an HTTP answer or a job', async () => {
    const user = await premiumUser();
    const answers: string[] = [];
    for (const platform of PLATFORMS) {
      const { answer, flow } = await connectAccount(api, platform, user.token, `scan-${platform}`);
      answers.push(answer.text, JSON.stringify([...answer.headers]), flow.authorizationUrl);
    }
    for (const connection of await connectionsOf(user.userId)) {
      await api.db.owner`UPDATE platform_connection SET token_expires_at = now() + interval '1 minute' WHERE id = ${connection.id}`;
    }
    for (const token of sandbox().state.tokens.values()) token.issuedAt -= 25 * 3600 * 1000;
    await api.stack.scheduler.run('token-refresh');
    const ids = (await connectionsOf(user.userId)).map((c) => c.id as string);
    await waitFor(async () => {
      const rows = await service((tx) => tx`SELECT status FROM job_queue WHERE params->>'connection_id' IN ${tx(ids)}`);
      return rows.length === PLATFORMS.length && rows.every((r) => r.status === 'completed');
    });
    const list = await api.request('GET', '/connections', { token: user.token });
    answers.push(list.text);

    const tables = await api.db.owner`
      SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')`;
    const database: string[] = [];
    for (const { name } of tables) database.push(...(await api.db.owner.unsafe(`SELECT to_jsonb(t)::text AS row FROM ${name} t`)).map((r) => r.row as string));
    const haystacks = { database: database.join('\n'), logs: output.join(''), http: answers.join('\n') };

    const tokens = [...sandbox().state.tokens.keys()];
    expect(tokens.length).toBeGreaterThan(2 * PLATFORMS.length);
    for (const token of tokens) {
      for (const [where, text] of Object.entries(haystacks)) expect(text.includes(token), `a token is in the ${where}`).toBe(false);
    }
    // …while the vault does hold them.
    const [one] = await connectionsOf(user.userId);
    expect(tokens).toContain((await secretValue(one!.vault_secret_name)).accessToken);
  });
});
