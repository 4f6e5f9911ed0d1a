import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OWNER_ROLE } from '#db/roles.ts';
import { SCHEMA_SNAPSHOT_PATH, snapshotSchema } from '#db/snapshot.ts';
import { createTestDatabase, type TestDatabase } from '#test/db.ts';

describe('db/schema.sql, the committed schema snapshot', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('schema_snapshot');
  });
  afterAll(() => db?.drop());

  it('matches the schema that db/migrations produce', async () => {
    const actual = await snapshotSchema(db.owner);
    const committed = await readFile(SCHEMA_SNAPSHOT_PATH, 'utf8').catch(() => '(missing)');

    expect(actual, 'db/schema.sql is stale: run npm run db:snapshot').toBe(committed);
  });

  it('is byte-stable: two runs agree, and no environment-specific role name or OID leaks into it', async () => {
    const [first, second] = [await snapshotSchema(db.owner), await snapshotSchema(db.owner)];
    const [{ oid }] = await db.owner<[{ oid: number }]>`SELECT oid::int FROM pg_class WHERE oid = 'public.users'::regclass`;

    expect(second).toBe(first);
    expect(first).toContain('OWNER <owner>');
    expect(first).not.toContain(OWNER_ROLE);
    expect(first).not.toContain(db.name);
    expect(first).not.toMatch(new RegExp(`\\b${oid}\\b`));
  });
});
