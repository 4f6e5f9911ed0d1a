import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import type { Sql } from 'postgres';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { DataApiClient } from '#db/data-api.ts';
import { loadMigrations, migrationsFingerprint, MIGRATIONS_DIR } from '#db/migrate.ts';
import { snapshotSchema } from '#db/snapshot.ts';
import { emptyOwnedDatabase, FakeDataApi, TARGET } from '#test/fake-data-api.ts';
import { migrationsHandler, type MigrationsProperties } from '../infra/migrations/handler.ts';

const STACK_ID = 'arn:aws:cloudformation:eu-west-1:123456789012:stack/StreamVibe-dev-Data/5f8e3a40-0000-11ef-0000-0a1b2c3d4e5f';
const PHYSICAL_ID = `${TARGET.database}-schema-migrations`;

/** The resource's properties as the CDK construct sets them, for the migration files in `dir`. */
async function propertiesFor(dir: string): Promise<MigrationsProperties & { ServiceToken: string }> {
  return {
    ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:StreamVibe-dev-Data-ProviderframeworkonEvent',
    ClusterArn: TARGET.resourceArn, SecretArn: TARGET.secretArn, DatabaseName: TARGET.database, AppRole: 'streamvibe_app',
    MigrationsFingerprint: migrationsFingerprint(await loadMigrations(dir)),
  };
}

/** What CloudFormation sends (through the Provider framework) for each request type. */
function cfnEvent(type: 'Create', props: object): CloudFormationCustomResourceEvent;
function cfnEvent(type: 'Update', props: object, old: object): CloudFormationCustomResourceEvent;
function cfnEvent(type: 'Delete', props: object, physicalId: string): CloudFormationCustomResourceEvent;
function cfnEvent(type: 'Create' | 'Update' | 'Delete', props: object, extra?: object | string): CloudFormationCustomResourceEvent {
  const common = {
    ServiceToken: (props as { ServiceToken: string }).ServiceToken, ResponseURL: 'https://cloudformation-custom-resource-response-euwest1.s3.amazonaws.com/x',
    StackId: STACK_ID, RequestId: crypto.randomUUID(), LogicalResourceId: 'SchemaMigrations6F0A9B3C', ResourceType: 'Custom::SchemaMigrations',
    ResourceProperties: props as never,
  };
  if (type === 'Create') return { ...common, RequestType: 'Create' };
  if (type === 'Update') return { ...common, RequestType: 'Update', PhysicalResourceId: PHYSICAL_ID, OldResourceProperties: extra as never };
  return { ...common, RequestType: 'Delete', PhysicalResourceId: extra as string };
}

/** A scratch copy of db/migrations plus `extra` files; removed after the test. */
async function migrationsWith(extra: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sv-cr-migrations-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
  for (const [name, sql] of Object.entries(extra)) await writeFile(join(dir, name), sql);
  return dir;
}

const runner = (fake: FakeDataApi, migrationsDir: string) =>
  migrationsHandler({ client: fake as unknown as DataApiClient, migrationsDir, log: () => {} });
const ledgerNames = async (sql: Sql) => (await sql`SELECT name FROM meta.migrations ORDER BY name`).map((r) => r.name as string);
/** Statements that could change something: anything but a read. */
const writes = (fake: FakeDataApi) => fake.statements().filter((s) => !/^SELECT\b/i.test(s.sql));

describe('the migration custom resource (infra/migrations/handler.ts) driven by CloudFormation events over the Data API fake', () => {
  it('Create migrates an empty database; an Update whose files did not change and a Delete make no Data API call at all', async () => {
    const sql = await emptyOwnedDatabase('cr_lifecycle');
    const props = await propertiesFor(MIGRATIONS_DIR);
    const fake = new FakeDataApi(sql);

    const created = await runner(fake, MIGRATIONS_DIR)(cfnEvent('Create', props));
    expect(created).toEqual({ PhysicalResourceId: PHYSICAL_ID, Data: { Applied: (await loadMigrations()).length, Latest: (await loadMigrations()).at(-1)!.name } });
    expect(await ledgerNames(sql)).toEqual((await loadMigrations()).map((m) => m.name));

    const idle = new FakeDataApi(sql);
    const newServiceToken = { ...props, ServiceToken: `${props.ServiceToken}-v2` };
    expect(await runner(idle, MIGRATIONS_DIR)(cfnEvent('Update', newServiceToken, props))).toMatchObject({ PhysicalResourceId: PHYSICAL_ID, Data: { Applied: 0 } });
    expect(await runner(idle, MIGRATIONS_DIR)(cfnEvent('Delete', props, PHYSICAL_ID))).toEqual({ PhysicalResourceId: PHYSICAL_ID });
    expect(idle.calls).toEqual([]);
  });

  it('an Update that adds a file applies just that file and keeps the PhysicalResourceId', async () => {
    const sql = await emptyOwnedDatabase('cr_forward');
    const before = await propertiesFor(MIGRATIONS_DIR);
    await runner(new FakeDataApi(sql), MIGRATIONS_DIR)(cfnEvent('Create', before));
    const dir = await migrationsWith({ '900_added.sql': 'CREATE TABLE meta.added_marker (id int);\n' });
    const fake = new FakeDataApi(sql);

    const updated = await runner(fake, dir)(cfnEvent('Update', await propertiesFor(dir), before));

    expect(updated).toEqual({ PhysicalResourceId: PHYSICAL_ID, Data: { Applied: 1, Latest: '900_added' } });
    expect((await ledgerNames(sql)).at(-1)).toBe('900_added');
    expect(writes(fake).filter((s) => s.sql.includes('added_marker'))).toHaveLength(1);
  });

  it('a failed Update rolls its file back, and CloudFormation\'s rollback (an Update back to the old properties) succeeds without writing, whichever code runs it', async () => {
    const sql = await emptyOwnedDatabase('cr_rollback');
    const old = await propertiesFor(MIGRATIONS_DIR);
    await runner(new FakeDataApi(sql), MIGRATIONS_DIR)(cfnEvent('Create', old));
    const failing = await migrationsWith({
      '900_fine.sql': 'CREATE TABLE meta.fine_marker (id int);\n',
      '901_broken.sql': 'CREATE TABLE meta.broken_marker (id int);\nSELECT 1 / 0;\n',
    });
    const failed = await propertiesFor(failing);
    await expect(runner(new FakeDataApi(sql), failing)(cfnEvent('Update', failed, old))).rejects.toThrow(/division by zero/);
    const afterFailure = { ledger: await ledgerNames(sql), schema: await snapshotSchema(sql) };
    expect(afterFailure.ledger.slice(-2)).toEqual([(await loadMigrations()).at(-1)!.name, '900_fine']);

    // CloudFormation rolls back with the old properties; the runner function may still carry the new files...
    const newCode = new FakeDataApi(sql);
    const rollbackWithNewCode = await runner(newCode, failing)(cfnEvent('Update', old, failed));
    // ...or already be back to the old ones (the database is then ahead of them: 900_fine stays, forward-only).
    const oldCode = new FakeDataApi(sql);
    const rollbackWithOldCode = await runner(oldCode, MIGRATIONS_DIR)(cfnEvent('Update', old, failed));
    const deleted = await runner(newCode, failing)(cfnEvent('Delete', failed, PHYSICAL_ID));

    expect(rollbackWithNewCode.PhysicalResourceId).toBe(PHYSICAL_ID);
    expect(rollbackWithOldCode.PhysicalResourceId).toBe(PHYSICAL_ID);
    expect(deleted).toEqual({ PhysicalResourceId: PHYSICAL_ID });
    expect(newCode.calls).toEqual([]);
    expect(writes(oldCode)).toEqual([]);
    expect({ ledger: await ledgerNames(sql), schema: await snapshotSchema(sql) }).toEqual(afterFailure);

    // The next deploy with the broken file fixed applies what is left.
    const fixed = await migrationsWith({ '900_fine.sql': 'CREATE TABLE meta.fine_marker (id int);\n', '901_broken.sql': 'SELECT 1;\n' });
    const retried = await runner(new FakeDataApi(sql), fixed)(cfnEvent('Update', await propertiesFor(fixed), old));
    expect(retried.Data).toEqual({ Applied: 1, Latest: '901_broken' });
  });

  it('the rollback of a failed Create is a Delete, which never touches the database', async () => {
    const sql = await emptyOwnedDatabase('cr_create_fail');
    const dir = await migrationsWith({ '900_broken.sql': 'SELECT 1 / 0;\n' });
    const props = await propertiesFor(dir);
    await expect(runner(new FakeDataApi(sql), dir)(cfnEvent('Create', props))).rejects.toThrow(/division by zero/);
    const fake = new FakeDataApi(sql);

    // The Provider framework reports a failed Create with the request's id as its PhysicalResourceId.
    expect(await runner(fake, dir)(cfnEvent('Delete', props, 'd0f3c1e2-failed-create'))).toEqual({ PhysicalResourceId: 'd0f3c1e2-failed-create' });
    expect(fake.calls).toEqual([]);
  });

  it('refuses a file it cannot send (COPY … FROM STDIN) before any Data API call, naming the file and the statement', async () => {
    const sql = await emptyOwnedDatabase('cr_refuse');
    const dir = await migrationsWith({ '900_copy.sql': 'CREATE TABLE meta.copied (a text);\nCOPY meta.copied (a) FROM STDIN;\nx\n\\.\n' });
    const fake = new FakeDataApi(sql);

    await expect(runner(fake, dir)(cfnEvent('Create', await propertiesFor(dir))))
      .rejects.toThrow(/^900_copy\.sql cannot be sent over the RDS Data API: statement 2 \("COPY meta\.copied \(a\) FROM STDIN"\): COPY … FROM STDIN/);
    expect(fake.calls).toEqual([]);
  });
});
