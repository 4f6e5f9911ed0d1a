import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { appendFile, cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import postgres, { type Sql } from 'postgres';
import { dropDatabase } from './db.ts';
import { describe, expect, inject, it, onTestFinished } from 'vitest';
import { bootstrapDatabase, quiet } from '#db/bootstrap.ts';
import {
  loadMigrations, migrate, MIGRATIONS_DIR, MigrationChecksumError, UnknownMigrationError, type Migration,
} from '#db/migrate.ts';
import { postgresMigrationDatabase } from '#db/postgres-adapter.ts';
import { OWNER_ROLE } from '#db/roles.ts';
import { snapshotSchema } from '#db/snapshot.ts';
import { TEST_OWNER_PASSWORD } from '#test/constants.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

/**
 * A new, empty database owned by the Aurora-like owner role, with a connection as that role. Dropped after
 * the test, unless it failed: then it is kept (and named) so its state can be inspected.
 */
async function emptyOwnedDatabase(label: string): Promise<{ url: string; sql: Sql }> {
  const name = `mig_${label}_${randomUUID().slice(0, 8)}`;
  const url = await bootstrapDatabase(inject('superuserUrl'), name, TEST_OWNER_PASSWORD);
  const sql = postgres(url, { max: 1, ...quiet });
  onTestFinished(async ({ task }) => {
    await sql.end();
    if (task.result?.state === 'fail') return console.warn(`kept database ${name} of failed test "${task.name}"`);
    await dropDatabase(inject('templateOwnerUrl'), name);
  });
  return { url, sql };
}

/** An empty migrations directory for synthetic files, removed after the test. */
async function scratchDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sv-migrations-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A scratch copy of db/migrations that a test may edit, extend or prune. */
async function migrationsCopy(): Promise<string> {
  const dir = await scratchDir();
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

const runner = (sql: Sql, migrations: Migration[]) => migrate(postgresMigrationDatabase(sql), migrations);
const ledger = (sql: Sql) => sql`SELECT name, checksum, applied_at FROM meta.migrations ORDER BY name`;
const relationExists = async (sql: Sql, name: string) => (await sql`SELECT to_regclass(${name}) AS oid`)[0]!.oid !== null;
/** Everything a refused or failed run must leave untouched: the ledger and the whole schema. */
const state = async (sql: Sql) => ({ ledger: await ledger(sql), schema: await snapshotSchema(sql) });

describe('migrate (db/migrate.ts) against real PostgreSQL, as a role with Aurora master-user attributes', () => {
  it('runs as LOGIN NOSUPERUSER CREATEDB CREATEROLE NOBYPASSRLS owner of the database, and applies every migration from scratch', async () => {
    const { sql } = await emptyOwnedDatabase('scratch');
    const [role] = await sql`
      SELECT r.rolname, r.rolcanlogin, r.rolsuper, r.rolcreatedb, r.rolcreaterole, r.rolbypassrls,
             pg_get_userbyid(d.datdba) AS database_owner
      FROM pg_roles r, pg_database d WHERE r.rolname = current_user AND d.datname = current_database()`;
    expect(role).toEqual({
      rolname: OWNER_ROLE, rolcanlogin: true, rolsuper: false, rolcreatedb: true, rolcreaterole: true, rolbypassrls: false,
      database_owner: OWNER_ROLE,
    });
    const migrations = await loadMigrations();

    const result = await runner(sql, migrations);

    expect(migrations.length).toBeGreaterThan(0);
    expect(result).toEqual({ applied: migrations.map((m) => m.name), skipped: [] });
    expect((await ledger(sql)).map((row) => row.name)).toEqual(migrations.map((m) => m.name));
  });

  it('keeps its ledger outside public, in meta.migrations (name, sha256 checksum of the file, applied_at), closed to API roles', async () => {
    const { sql } = await emptyOwnedDatabase('ledger');
    await runner(sql, await loadMigrations());

    const columns = await sql`
      SELECT column_name, data_type, is_nullable FROM information_schema.columns
      WHERE table_schema = 'meta' AND table_name = 'migrations' ORDER BY ordinal_position`;
    expect(columns).toEqual([
      { column_name: 'name', data_type: 'text', is_nullable: 'NO' },
      { column_name: 'checksum', data_type: 'text', is_nullable: 'NO' },
      { column_name: 'applied_at', data_type: 'timestamp with time zone', is_nullable: 'NO' },
    ]);
    expect(await sql`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename ~ 'migration'`).toEqual([]);
    for (const row of await ledger(sql)) {
      const file = await readFile(join(MIGRATIONS_DIR, `${row.name}.sql`), 'utf8');
      expect(row.checksum, row.name).toBe(createHash('sha256').update(file).digest('hex'));
      expect(row.applied_at).toBeInstanceOf(Date);
    }
    const [access] = await sql`
      SELECT has_table_privilege('anon', 'meta.migrations', 'SELECT, INSERT, UPDATE, DELETE') AS anon,
             has_table_privilege('authenticated', 'meta.migrations', 'SELECT, INSERT, UPDATE, DELETE') AS authenticated`;
    expect(access).toEqual({ anon: false, authenticated: false });
  });

  it('is a no-op when run again: nothing applied, ledger and schema unchanged', async () => {
    const { sql } = await emptyOwnedDatabase('rerun');
    const migrations = await loadMigrations();
    await runner(sql, migrations);
    const before = await state(sql);

    const result = await runner(sql, migrations);

    expect(result).toEqual({ applied: [], skipped: migrations.map((m) => m.name) });
    expect(await state(sql)).toEqual(before);
  });

  it('refuses with MigrationChecksumError when an applied file was edited, and applies nothing, not even pending files', async () => {
    const { sql } = await emptyOwnedDatabase('edited');
    const dir = await migrationsCopy();
    const applied = await loadMigrations(dir);
    await runner(sql, applied);
    const before = await state(sql);
    const edited = applied.at(-1)!.name;
    await appendFile(join(dir, `${edited}.sql`), '\nCREATE TABLE meta.edited_marker (id int);\n');
    // One pending file sorts before the edited one, so only a check of the whole ledger up front keeps it out.
    const earlierPending = `${edited.slice(0, 4)}0_pending_marker`;
    expect(earlierPending < edited).toBe(true);
    await writeFile(join(dir, `${earlierPending}.sql`), 'CREATE TABLE meta.earlier_pending_marker (id int);\n');
    await writeFile(join(dir, '900_later_pending.sql'), 'CREATE TABLE meta.later_pending_marker (id int);\n');

    const error = await runner(sql, await loadMigrations(dir)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MigrationChecksumError);
    expect(error).toMatchObject({ migration: edited });
    expect(await state(sql)).toEqual(before);
    for (const marker of ['meta.edited_marker', 'meta.earlier_pending_marker', 'meta.later_pending_marker']) {
      expect(await relationExists(sql, marker), marker).toBe(false);
    }
  });

  it('refuses with UnknownMigrationError when the ledger has a migration whose file is gone, and applies nothing', async () => {
    const { sql } = await emptyOwnedDatabase('unknown');
    const dir = await migrationsCopy();
    const applied = await loadMigrations(dir);
    await runner(sql, applied);
    const before = await state(sql);
    const removed = applied.at(-1)!.name;
    await rm(join(dir, `${removed}.sql`));
    await writeFile(join(dir, '900_later_pending.sql'), 'CREATE TABLE meta.later_pending_marker (id int);\n');

    const error = await runner(sql, await loadMigrations(dir)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UnknownMigrationError);
    expect(error).toMatchObject({ migration: removed });
    expect(await state(sql)).toEqual(before);
  });

  it.each([2, 5])('applies every migration exactly once when %i runners start at the same moment on separate connections', async (count) => {
    const { url, sql } = await emptyOwnedDatabase(`race${count}`);
    const migrations = await loadMigrations();
    const connections = Array.from({ length: count }, () => postgres(url, { max: 1, ...quiet }));
    onTestFinished(() => Promise.all(connections.map((c) => c.end())).then(() => {}));
    await Promise.all(connections.map((c) => c`SELECT 1`)); // connected before the start, so they really race

    const results = await Promise.all(connections.map((c) => runner(c, migrations)));

    const names = migrations.map((m) => m.name);
    expect(results.flatMap((r) => r.applied).sort()).toEqual(names);
    for (const result of results) expect([...result.applied, ...result.skipped].sort()).toEqual(names);
    expect((await ledger(sql)).map((row) => row.name)).toEqual(names);
  });

  it.each([
    ['a syntax error', 'CREATE TABLE meta.broken_marker (id int);\nSELEC 1;\n', '42601'],
    ['an error after its first statements ran', 'CREATE TABLE meta.broken_marker (id int);\nINSERT INTO meta.broken_marker VALUES (1);\nSELECT 1 / 0;\n', '22012'],
  ])('rolls a failing migration (%s) back wholly, ledger row included, and keeps the files before it', async (_, brokenSql, code) => {
    const { sql } = await emptyOwnedDatabase('failing');
    const dir = await scratchDir();
    await writeFile(join(dir, '900_fine.sql'), 'CREATE TABLE meta.fine_marker (id int);\n');
    await writeFile(join(dir, '901_broken.sql'), brokenSql);
    await writeFile(join(dir, '902_after.sql'), 'CREATE TABLE meta.after_marker (id int);\n');

    await expect(runner(sql, await loadMigrations(dir))).rejects.toMatchObject({ code });

    expect((await ledger(sql)).map((row) => row.name)).toEqual(['900_fine']);
    expect(await relationExists(sql, 'meta.fine_marker')).toBe(true);
    expect(await relationExists(sql, 'meta.broken_marker')).toBe(false);
    expect(await relationExists(sql, 'meta.after_marker')).toBe(false);

    // Once the file is fixed, the next run carries on where the failed one stopped.
    await writeFile(join(dir, '901_broken.sql'), 'CREATE TABLE meta.broken_marker (id int);\n');
    expect((await runner(sql, await loadMigrations(dir))).applied).toEqual(['901_broken', '902_after']);
  });

});

describe('npm run db:migrate (db/migrate-cli.ts) with DATABASE_URL', () => {
  const cli = (databaseUrl: string) =>
    run('npx', ['tsx', 'db/migrate-cli.ts'], { cwd: REPO_ROOT, env: { ...process.env, DATABASE_URL: databaseUrl } });

  it('applies the pending migrations, prints the count and exits 0; a second run applies 0', async () => {
    const { url } = await emptyOwnedDatabase('cli');
    const count = (await loadMigrations()).length;

    const first = await cli(url);
    const second = await cli(url);

    expect(first.stdout).toMatch(new RegExp(`^migrations: ${count} applied \\(.+\\), 0 already applied\\n$`));
    expect(second.stdout).toBe(`migrations: 0 applied, ${count} already applied\n`);
  });

  it('exits 1 with the reason when the database refuses to migrate', async () => {
    const { url, sql } = await emptyOwnedDatabase('cli_refused');
    await runner(sql, []); // creates the ledger, applies nothing
    await sql`INSERT INTO meta.migrations (name, checksum) VALUES ('999_gone', 'x')`;

    const error = await cli(url).catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 1, stderr: expect.stringContaining('migration 999_gone applied, but no such file') });
  });
});
