import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { BeginTransactionCommand, CommitTransactionCommand, ExecuteStatementCommand, type SqlParameter } from '@aws-sdk/client-rds-data';
import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { decodeJwt } from 'jose';
import type { ReservedSql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeRole } from '../../db/admin-roles.ts';
import { asUser } from '../../db/context.ts';
import { dataApiMigrationDatabase, type DataApiClient } from '../../db/data-api.ts';
import { postgresMigrationDatabase } from '../../db/postgres-adapter.ts';
import type { Claims } from '../../db/roles.ts';
import { startTestApi, type TestApi } from '../api.ts';

let api: TestApi;
beforeAll(async () => { api = await startTestApi('api_roles'); });
afterAll(async () => { await api?.stop(); });

const owner = () => postgresMigrationDatabase(api.db.owner);
const runJob = (token: string) => api.request('POST', '/admin-run-job', { token, body: { job_type: 'quota_reset' } });
// Cognito leaves the claim out for a user in no group.
const groupsOf = (token: string) => decodeJwt(token)['cognito:groups'] ?? [];
/** What the database policies see for this token's caller. */
const isAdminInDb = async (token: string) =>
  (await asUser(api.db.app, decodeJwt(token) as Claims, (tx) => tx`SELECT is_admin() AS admin`))[0]!.admin as boolean;

describe('roles: user_role → pre-token trigger → cognito:groups (real HTTP through the local stack)', () => {
  it('a grant takes effect at the next token: the admin route passes and is_admin() is true; the old token stays a user\'s', async () => {
    const { token: before, email } = await api.signUp();
    expect(groupsOf(before)).toEqual([]);
    expect((await runJob(before)).status).toBe(403);

    const change = await changeRole(owner(), { email, role: 'admin' });
    expect(change).toMatchObject({ change: 'granted', before: [], after: ['admin'] });

    const after = await api.signIn(email);
    expect(groupsOf(after)).toEqual(['admin']);
    expect((await runJob(after)).status).toBe(202);
    expect(await isAdminInDb(after)).toBe(true);
    expect((await api.request('GET', '/me', { token: after })).body.roles).toEqual(['admin']);
    expect((await runJob(before)).status).toBe(403);
  });

  it('a revoke takes effect at the next token: 403 on the admin route and is_admin() false', async () => {
    const { token: adminToken, email } = await api.signUp({ roles: ['admin'] });
    expect((await runJob(adminToken)).status).toBe(202);

    expect(await changeRole(owner(), { email, role: 'admin', revoke: true })).toMatchObject({ change: 'revoked', before: ['admin'], after: [] });

    const next = await api.signIn(email);
    expect(groupsOf(next)).toEqual([]);
    const forbidden = await runJob(next);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('forbidden');
    expect(await isAdminInDb(next)).toBe(false);
  });

  it('writes one audit_log row per change and none for a repeated grant or revoke', async () => {
    const { email, userId } = await api.signUp();
    await changeRole(owner(), { email, role: 'moderator' });
    expect(await changeRole(owner(), { email: email.toUpperCase(), role: 'moderator' })).toMatchObject({ change: 'unchanged', after: ['moderator'] });
    await changeRole(owner(), { email, role: 'moderator', revoke: true });
    expect(await changeRole(owner(), { email, role: 'moderator', revoke: true })).toMatchObject({ change: 'unchanged', after: [] });
    const audit = await api.db.owner`
      SELECT action, entity_type, old_values, new_values FROM audit_log WHERE user_id = ${userId} ORDER BY id`;
    expect(audit).toEqual([
      { action: 'grant', entity_type: 'user_role', old_values: { roles: [] }, new_values: { roles: ['moderator'] } },
      { action: 'revoke', entity_type: 'user_role', old_values: { roles: ['moderator'] }, new_values: { roles: [] } },
    ]);
  });

  it('refuses an email nobody signed up with', async () => {
    await expect(changeRole(owner(), { email: `${randomUUID()}@example.com`, role: 'admin' })).rejects.toThrow(/No user .*sign up first/);
  });
});

describe('pre-token-generation trigger of the auth Lambda (functions/auth/triggers.ts), V2 event', () => {
  const event = (sub: string, triggerSource = 'TokenGeneration_RefreshTokens'): PreTokenGenerationV2TriggerEvent => ({
    version: '2', triggerSource, region: 'eu-west-1', userPoolId: 'eu-west-1_pool', userName: sub,
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: 'client' },
    request: { userAttributes: { sub, email: 'x@example.com' }, groupConfiguration: { groupsToOverride: ['user'] } },
    response: { claimsAndScopeOverrideDetails: { idTokenGeneration: { claimsToSuppress: ['nickname'] } } },
  }) as PreTokenGenerationV2TriggerEvent;
  // Imported once the stack has set DATABASE_URL (the handler's client is created at import, as at a cold start).
  const handler = async () => (await import('../../functions/auth/triggers.ts')).handler;

  it('overrides the groups with the user\'s roles, sorted by name, and keeps the other overrides', async () => {
    const { userId } = await api.signUp({ roles: ['moderator', 'admin'] });
    const result = await (await handler())(event(userId));
    expect(result.response.claimsAndScopeOverrideDetails).toEqual({
      idTokenGeneration: { claimsToSuppress: ['nickname'] },
      groupOverrideDetails: { groupsToOverride: ['admin', 'moderator'] },
    });
  });

  it('gives a user without roles, and an unknown user, no groups (not an error)', async () => {
    const { userId } = await api.signUp();
    for (const sub of [userId, randomUUID()]) {
      const result = await (await handler())(event(sub, 'TokenGeneration_Authentication'));
      expect(result.response.claimsAndScopeOverrideDetails.groupOverrideDetails).toEqual({ groupsToOverride: [] });
    }
  });
});

const exec = promisify(execFile);
/** `npm run admin:grant -- …` as an operator runs it, against the test database as its owner. */
async function adminGrant(args: string[], env: Record<string, string> = { DATABASE_URL: api.db.url.owner }) {
  try {
    const { stdout } = await exec('npm', ['run', '--silent', 'admin:grant', '--', ...args], { env: { ...process.env, ...env } });
    return { code: 0, out: stdout.trim() };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: `${failed.stdout}${failed.stderr}`.trim() };
  }
}

describe('npm run admin:grant (scripts/admin-grant.ts)', () => {
  it('grants idempotently, says what changed, and revokes', async () => {
    const { email, userId } = await api.signUp();
    expect(await adminGrant([email])).toEqual({ code: 0, out: `granted admin to ${email} (was: none); effective at their next sign-in` });
    expect(await adminGrant([email])).toEqual({ code: 0, out: `${email} already has admin (roles: admin); nothing changed` });
    expect(await api.db.owner`SELECT role::text FROM user_role WHERE user_id = ${userId}`).toEqual([{ role: 'admin' }]);
    expect((await runJob(await api.signIn(email))).status).toBe(202);

    expect(await adminGrant([email, '--role', 'moderator'])).toMatchObject({ out: expect.stringContaining('granted moderator') });
    expect(await adminGrant([email, '--revoke'])).toMatchObject({ code: 0, out: expect.stringContaining(`revoked admin from ${email} (now: moderator)`) });
    expect(await api.db.owner`SELECT role::text FROM user_role WHERE user_id = ${userId}`).toEqual([{ role: 'moderator' }]);
  });

  it('fails (exit 1) for an unknown email, an unknown role, and a stage whose ARNs name another stage', async () => {
    expect(await adminGrant([`${randomUUID()}@example.com`])).toMatchObject({ code: 1, out: expect.stringContaining('sign up first') });
    expect(await adminGrant(['x@example.com', '--role', 'user'])).toMatchObject({ code: 1, out: expect.stringContaining('--role must be one of admin, moderator') });
    expect(await adminGrant(['x@example.com', '--stage', 'prod'], { DB_CLUSTER_ARN: '', DB_SECRET_ARN: '' }))
      .toMatchObject({ code: 1, out: expect.stringContaining('--stage needs --cluster-arn') });
    const devArns = ['--cluster-arn', 'arn:aws:rds:eu-west-1:123456789012:cluster:streamvibe-dev-aurora',
      '--secret-arn', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:streamvibe/dev/aurora/master-AbCdEf'];
    expect(await adminGrant(['x@example.com', '--stage', 'prod', ...devArns])).toMatchObject({ code: 1, out: expect.stringContaining('do not name stage prod') });
  });
});

/**
 * Just enough of the RDS Data API for one transaction at a time, over a real connection: `:pN` parameters bound with
 * the types the service gives them (a string is varchar, a boolean is bool), rows returned as JSON.
 */
class DataApiOverPostgres {
  private connection?: ReservedSql;
  readonly statements: string[] = [];
  async send(command: unknown): Promise<unknown> {
    if (command instanceof BeginTransactionCommand) {
      this.connection = await api.db.owner.reserve();
      await this.connection.unsafe('BEGIN');
      return { transactionId: 'tx-1' };
    }
    if (command instanceof ExecuteStatementCommand) {
      const { sql, parameters = [] } = command.input;
      this.statements.push(sql!);
      const values = parameters.map((p: SqlParameter) => (p.value!.booleanValue !== undefined
        ? this.connection!.typed(p.value!.booleanValue, 16) : this.connection!.typed(p.value!.stringValue!, 1043)));
      const rows = await this.connection!.unsafe(sql!.replace(/(?<!:):p(\d+)/g, '$$$1'), values as never[]);
      return { formattedRecords: JSON.stringify([...rows]) };
    }
    if (command instanceof CommitTransactionCommand) {
      await this.connection!.unsafe('COMMIT');
      this.connection!.release();
      return {};
    }
    throw new Error(`not faked: ${(command as object).constructor.name}`);
  }
}

describe('granting over the RDS Data API (the --stage path)', () => {
  it('runs the same single statement with the Data API\'s parameter types, and the grant reaches the next token', async () => {
    const { email } = await api.signUp();
    const dataApi = new DataApiOverPostgres();
    const target = { resourceArn: 'arn:aws:rds:eu-west-1:1:cluster:streamvibe-dev-aurora', secretArn: 'arn:secret', database: 'streamvibe' };
    const change = await changeRole(dataApiMigrationDatabase(dataApi as unknown as DataApiClient, target), { email, role: 'admin' });
    expect(change).toMatchObject({ change: 'granted', before: [], after: ['admin'] });
    expect(dataApi.statements).toHaveLength(1);
    expect(groupsOf(await api.signIn(email))).toEqual(['admin']);
  });
});
