import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApi, waitFor, type TestApi } from '../api.ts';
import { contentUrl, seoCreator, siteOf, TEST_INDEXNOW_KEY } from './seo-world.ts';

// Logs on (the suite runs SILENT) before any module reads the level: the secret scan reads what the Lambdas log.
vi.hoisted(() => {
  process.env.LOG_LEVEL = 'DEBUG';
  process.env.INDEXNOW_KEY ??= 'streamvibe-test-indexnow-key';
});

let api: TestApi;
const captured: string[] = [];
let restore: (() => void) | undefined;

beforeAll(async () => {
  expect(process.env.INDEXNOW_KEY).toBe(TEST_INDEXNOW_KEY);
  const capture = (stream: NodeJS.WriteStream) => {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array) => { captured.push(String(chunk)); return true; }) as typeof stream.write;
    return () => { stream.write = original; };
  };
  const undo = [capture(process.stdout), capture(process.stderr)];
  restore = () => undo.forEach((u) => u());
  api = await startTestApi('api_seo_connections');
});
afterAll(async () => {
  restore?.();
  await api?.stop();
});

/** Every row of every table in public, meta and auth, as text: where a key must never be. */
async function databaseDump(): Promise<string> {
  const tables = await api.db.owner`
    SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS name FROM information_schema.tables
    WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`;
  const parts: string[] = [];
  for (const { name } of tables) parts.push(JSON.stringify(await api.db.owner.unsafe(`SELECT * FROM ${name}`)));
  return parts.join('\n');
}

describe('SEO connections (GET/POST/DELETE /seo-connections): verified with the engine, credentials only in Secrets Manager', () => {
  it('connects Google and Bing, lists, replaces, removes; the keys are in no table, log line or response', async () => {
    const creator = await seoCreator(api, { items: 2 });
    const site = `${siteOf()}/`;
    const key = api.stack.seo.google.serviceAccount({ name: 'lifecycle' });
    api.stack.seo.google.own(key.client_email, site);
    const bingKey = api.stack.seo.bing.register({ siteUrl: site, dailyQuota: 50 });
    const responses: string[] = [];
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await api.request(method, path, { token: creator.token, body });
      responses.push(res.text);
      return res;
    };

    const google = await call('POST', '/seo-connections', { search_engine: 'google', site_url: site, service_account_key: JSON.stringify(key) });
    expect(google.status, google.text).toBe(201);
    expect(google.body).toMatchObject({ search_engine: 'google', site_url: site, is_active: true, is_verified: true, last_error: null });
    expect(google.body.verification).toContain(key.client_email);
    const bing = await call('POST', '/seo-connections', { search_engine: 'bing', site_url: site, api_key: bingKey });
    expect(bing.status, bing.text).toBe(201);
    expect(bing.body.verification).toMatch(/50 URLs left today/);

    const [stored] = await api.db.owner`SELECT vault_secret_name FROM seo_connection WHERE id = ${google.body.id}`;
    expect(stored!.vault_secret_name).toMatch(/^streamvibe\/local\/seo\/[0-9a-f-]{36}$/);
    const listed = await call('GET', '/seo-connections');
    expect(listed.body.items.map((c: { search_engine: string }) => c.search_engine).sort()).toEqual(['bing', 'google']);
    expect(Object.keys(listed.body.items[0]).sort()).not.toContain('vault_secret_name');

    // A submission goes through the stored secret: the key is read back by the worker, never from the request.
    const submitted = await call('POST', '/submit-to-seo', { url: contentUrl(creator.itemIds[0]!), search_engine: 'google' });
    expect(submitted.status, submitted.text).toBe(202);
    await waitFor(async () => (await api.db.owner`SELECT status FROM seo_submission WHERE id = ${submitted.body.submission_id}`)[0]!.status === 'submitted');

    // The same engine and site again with a new key: one connection, the old secret deleted.
    const newKey = api.stack.seo.google.serviceAccount({ name: 'lifecycle' });
    const replaced = await call('POST', '/seo-connections', { search_engine: 'google', site_url: site, service_account_key: JSON.stringify(newKey) });
    expect(replaced.status).toBe(201);
    expect(replaced.body.id).toBe(google.body.id);
    const [after] = await api.db.owner`SELECT vault_secret_name FROM seo_connection WHERE id = ${google.body.id}`;
    expect(after!.vault_secret_name).not.toBe(stored!.vault_secret_name);
    await expect(readSecret(stored!.vault_secret_name)).rejects.toThrow(/ResourceNotFound|can't find|not find/i);

    const removed = await call('DELETE', `/seo-connections?id=${bing.body.id}`);
    expect(removed.status).toBe(200);
    const [bingRow] = await api.db.owner`SELECT is_active, vault_secret_name FROM seo_connection WHERE id = ${bing.body.id}`;
    expect(bingRow!.is_active).toBe(false);
    await expect(readSecret(bingRow!.vault_secret_name)).rejects.toThrow();
    expect((await call('DELETE', `/seo-connections?id=${bing.body.id}`)).status).toBe(404);

    // The scan: key material (the PEM body, the private key id, Bing's key) appears nowhere we write.
    const pemBody = key.private_key.split('\n').slice(5, 8).join('');
    const secrets = [pemBody, newKey.private_key.split('\n').slice(5, 8).join(''), key.private_key_id, newKey.private_key_id, bingKey];
    const dump = await databaseDump();
    const logs = captured.join('');
    expect(logs.length).toBeGreaterThan(1000); // the Lambdas did log (LOG_LEVEL=DEBUG)
    for (const secret of secrets) {
      expect(dump.includes(secret), 'a key in the database').toBe(false);
      expect(logs.includes(secret), 'a key in the logs').toBe(false);
      expect(responses.some((text) => text.includes(secret)), 'a key in a response').toBe(false);
    }
  });

  it('refuses what the engine refuses, with what to fix (422), and stores nothing', async () => {
    const creator = await seoCreator(api, { items: 0 });
    const site = `${siteOf()}/`;
    const stranger = api.stack.seo.google.serviceAccount({ name: 'not-an-owner' });
    const before = await api.db.owner`SELECT count(*)::int AS n FROM seo_connection`;

    const notOwner = await api.request('POST', '/seo-connections', { token: creator.token, body: { search_engine: 'google', site_url: site, service_account_key: JSON.stringify(stranger) } });
    expect(notOwner.status).toBe(422);
    expect(notOwner.body.error).toMatchObject({ code: 'verification_failed', details: { search_engine: 'google', reason: 'not_verified' } });
    expect(notOwner.body.error.message).toContain(`Add the service account ${stranger.client_email} as an owner of the Search Console property ${site}`);

    const notJson = await api.request('POST', '/seo-connections', { token: creator.token, body: { search_engine: 'google', site_url: site, service_account_key: 'not json' } });
    expect(notJson.status).toBe(422);
    expect(notJson.body.error.message).toMatch(/not JSON: download the JSON key/);

    const unknownKey = await api.request('POST', '/seo-connections', { token: creator.token, body: { search_engine: 'bing', site_url: site, api_key: 'A'.repeat(32) } });
    expect(unknownKey.status).toBe(422);
    expect(unknownKey.body.error.message).toMatch(/Bing refused the API key .*check the API key in Bing Webmaster Tools/);

    const elsewhere = await api.request('POST', '/seo-connections', { token: creator.token, body: { search_engine: 'bing', site_url: 'https://evil.example.com/', api_key: 'A'.repeat(32) } });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.error.message).toMatch(/site_url must be StreamVibe's public site/);

    expect(await api.db.owner`SELECT count(*)::int AS n FROM seo_connection`).toEqual(before);
  });

  it('never touches another user’s connection', async () => {
    const owner = await seoCreator(api, { items: 0 });
    const other = await seoCreator(api, { items: 0 });
    const site = `${siteOf()}/`;
    const bingKey = api.stack.seo.bing.register({ siteUrl: site });
    const created = await api.request('POST', '/seo-connections', { token: owner.token, body: { search_engine: 'bing', site_url: site, api_key: bingKey } });
    expect(created.status).toBe(201);

    expect((await api.request('DELETE', `/seo-connections?id=${created.body.id}`, { token: other.token })).status).toBe(404);
    expect((await api.request('GET', '/seo-connections', { token: other.token })).body.items).toEqual([]);
    const [row] = await api.db.owner`SELECT is_active FROM seo_connection WHERE id = ${created.body.id}`;
    expect(row!.is_active).toBe(true);
  });
});

async function readSecret(name: string) {
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  return new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: name }));
}
