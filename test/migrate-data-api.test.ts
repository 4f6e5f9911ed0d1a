import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BeginTransactionCommand, ExecuteStatementCommand, RollbackTransactionCommand, type SqlParameter } from '@aws-sdk/client-rds-data';
import type { Sql } from 'postgres';
import { describe, expect, it, onTestFinished } from 'vitest';
import { assertSendableOverDataApi } from '#db/data-api.ts';
import { loadMigrations, migrate, MIGRATIONS_DIR } from '#db/migrate.ts';
import { postgresMigrationDatabase } from '#db/postgres-adapter.ts';
import { snapshotSchema } from '#db/snapshot.ts';
import { lex, splitStatements, toNamedParameters, UnsupportedSqlError } from '#db/sql-statements.ts';
import { dataApi, emptyOwnedDatabase, FakeDataApi, TARGET } from '#test/fake-data-api.ts';
import { applyMigrations, grantIamLoginSql } from '../infra/migrations/handler.ts';

const ledger = (sql: Sql) => sql`SELECT name, checksum FROM meta.migrations ORDER BY name`;

describe('migrations over the RDS Data API (db/data-api.ts) against the embedded PostgreSQL', () => {
  it('sends one statement per call, each migration file statement by statement inside its own transaction, and ends with the local runner\'s schema', async () => {
    const [local, remote] = await Promise.all([emptyOwnedDatabase('local'), emptyOwnedDatabase('dataapi')]);
    const migrations = await loadMigrations();
    const fake = new FakeDataApi(remote);

    const viaDataApi = await migrate(dataApi(fake), migrations);
    const viaPostgres = await migrate(postgresMigrationDatabase(local), migrations);

    expect(viaDataApi).toEqual(viaPostgres);
    expect(viaDataApi.applied).toEqual(migrations.map((m) => m.name));
    for (const { sql } of fake.statements()) expect(splitStatements(sql), sql.slice(0, 80)).toHaveLength(1);
    // Each file: lock, ledger check, ledger row, then exactly the file's statements, in order, in one transaction.
    for (const migration of migrations) {
      const insert = fake.statements().findIndex((s) => s.sql.startsWith('INSERT INTO meta.migrations')
        && s.parameters?.[0]?.value?.stringValue === migration.name);
      const { transactionId } = fake.statements()[insert]!;
      const inTransaction = fake.statements().filter((s) => s.transactionId === transactionId).map((s) => s.sql);
      expect(inTransaction, migration.name).toEqual([
        'SELECT pg_advisory_xact_lock(:p1::bigint)',
        'SELECT checksum FROM meta.migrations WHERE name = :p1',
        'INSERT INTO meta.migrations (name, checksum) VALUES (:p1, :p2)',
        ...splitStatements(migration.sql),
      ]);
      expect(fake.calls.filter((c) => c.transactionId === transactionId).map((c) => c.command).at(-1)).toBe('CommitTransaction');
    }
    expect(fake.calls.filter((c) => c.command === 'BeginTransaction')).toHaveLength(migrations.length + 1);
    expect(await snapshotSchema(remote)).toBe(await snapshotSchema(local));
    expect(await ledger(remote)).toEqual(await ledger(local));
  });

  it('uses a fake as strict as the service: two statements in one call fail, and a string parameter is varchar', async () => {
    const fake = new FakeDataApi(await emptyOwnedDatabase('fake'));
    const { transactionId } = await fake.send(new BeginTransactionCommand(TARGET)) as { transactionId: string };
    const execute = (sql: string, parameters: SqlParameter[] = []) =>
      fake.send(new ExecuteStatementCommand({ ...TARGET, transactionId, sql, parameters, formatRecordsAs: 'JSON' }));

    await expect(execute('SELECT 1; SELECT 2')).rejects.toThrow(/cannot insert multiple commands into a prepared statement/);
    await fake.send(new RollbackTransactionCommand({ ...TARGET, transactionId }));
    const { transactionId: second } = await fake.send(new BeginTransactionCommand(TARGET)) as { transactionId: string };
    await expect(fake.send(new ExecuteStatementCommand({ ...TARGET, transactionId: second, sql: 'SELECT pg_advisory_xact_lock(:p1)',
      parameters: [{ name: 'p1', value: { stringValue: '42' } }], formatRecordsAs: 'JSON' })))
      .rejects.toThrow(/function pg_advisory_xact_lock\(character varying\) does not exist/);
    await fake.send(new RollbackTransactionCommand({ ...TARGET, transactionId: second }));
  });

  it('is a no-op when run again, and two runners racing apply every file exactly once', async () => {
    const sql = await emptyOwnedDatabase('dataapi_race');
    const migrations = await loadMigrations();

    const results = await Promise.all([migrate(dataApi(new FakeDataApi(sql)), migrations), migrate(dataApi(new FakeDataApi(sql)), migrations)]);
    const again = new FakeDataApi(sql);
    const rerun = await migrate(dataApi(again), migrations);

    expect(results.flatMap((r) => r.applied).sort()).toEqual(migrations.map((m) => m.name));
    expect(rerun).toEqual({ applied: [], skipped: migrations.map((m) => m.name) });
    expect(again.statements().filter((s) => !/^SELECT|^\s*CREATE SCHEMA IF NOT EXISTS|^\s*CREATE TABLE IF NOT EXISTS|^\s*REVOKE ALL ON SCHEMA meta/.test(s.sql))).toEqual([]);
  });

  it('rolls a failing file back wholly (RollbackTransaction, no ledger row) and keeps the files before it', async () => {
    const sql = await emptyOwnedDatabase('dataapi_fail');
    const dir = await mkdtemp(join(tmpdir(), 'sv-migrations-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, '900_fine.sql'), 'CREATE TABLE meta.fine_marker (id int);\n');
    await writeFile(join(dir, '901_broken.sql'), 'CREATE TABLE meta.broken_marker (id int);\nINSERT INTO meta.broken_marker VALUES (1);\nSELECT 1 / 0;\n');
    await writeFile(join(dir, '902_after.sql'), 'CREATE TABLE meta.after_marker (id int);\n');
    const fake = new FakeDataApi(sql);

    await expect(migrate(dataApi(fake), await loadMigrations(dir))).rejects.toThrow(/division by zero/);

    expect((await ledger(sql)).map((r) => r.name)).toEqual(['900_fine']);
    const [markers] = await sql`SELECT to_regclass('meta.fine_marker') IS NOT NULL AS fine, to_regclass('meta.broken_marker') IS NOT NULL AS broken`;
    expect(markers).toEqual({ fine: true, broken: false });
    expect(fake.calls.at(-1)!.command).toBe('RollbackTransaction');
    expect(fake.statements().some((s) => s.sql.includes('after_marker'))).toBe(false);
  });

  it('sends migration statements without parameters, so `:name` text in literals and function bodies (migrations 004, 007) reaches PostgreSQL unchanged', async () => {
    const sql = await emptyOwnedDatabase('dataapi_colons');
    const migrations = (await loadMigrations()).filter((m) => m.name < '008');
    const colonText = /:publish|\[\[:alpha:\]\]|discovery:category_counts/;
    const fake = new FakeDataApi(sql);

    await migrate(dataApi(fake), migrations);

    const withColons = fake.statements().filter((s) => colonText.test(s.sql));
    // 004's Google endpoint URL in a string literal; 007's regex bracket class and cache key inside function bodies.
    expect(new Set(withColons.flatMap((s) => s.sql.match(new RegExp(colonText, 'g'))!))).toEqual(new Set([':publish', '[[:alpha:]]', 'discovery:category_counts']));
    for (const statement of withColons) expect(statement.parameters, statement.sql.slice(0, 60)).toBeUndefined();
    const [google] = await sql`SELECT api_endpoint FROM public.search_engine WHERE slug = 'google'`;
    expect(google!.api_endpoint).toBe('https://indexing.googleapis.com/v3/urlNotifications:publish');
    const [alpha] = await sql`SELECT count(*)::int AS n FROM pg_proc WHERE prosrc LIKE ${'%[[:alpha:]]%'} AND prosrc LIKE ${'%^[%'}`;
    expect(alpha!.n).toBeGreaterThan(0);
    // The same statement with an empty parameter list would be at the service's mercy: the fake takes :publish for a placeholder.
    const { transactionId } = await fake.send(new BeginTransactionCommand(TARGET)) as { transactionId: string };
    await expect(fake.send(new ExecuteStatementCommand({ ...TARGET, transactionId, sql: withColons.find((s) => s.sql.includes(':publish'))!.sql, parameters: [], formatRecordsAs: 'JSON' })))
      .rejects.toThrow(/no value for parameter :publish/);
    await fake.send(new RollbackTransactionCommand({ ...TARGET, transactionId }));
  });

  it('runs the custom resource\'s steps (infra/migrations/handler.ts): migrations, then rds_iam for the app role where that role exists', async () => {
    const sql = await emptyOwnedDatabase('dataapi_handler');
    const fake = new FakeDataApi(sql);

    const result = await applyMigrations(dataApi(fake), 'streamvibe_app', MIGRATIONS_DIR);

    expect(result.applied).toEqual((await loadMigrations()).map((m) => m.name));
    expect(fake.statements().at(-1)!.sql).toBe(splitStatements(grantIamLoginSql('streamvibe_app'))[0]);
    // Where Aurora's rds_iam exists, the same statement grants it (role created and dropped with the transaction).
    const granted = await sql.begin(async (tx) => {
      await tx.unsafe('CREATE ROLE rds_iam NOLOGIN');
      await tx.unsafe(grantIamLoginSql('streamvibe_app'));
      const [row] = await tx`SELECT pg_has_role('streamvibe_app', 'rds_iam', 'MEMBER') AS member`;
      throw Object.assign(new Error('roll the role back'), { row });
    }).catch((error: { row?: unknown }) => error.row);
    expect(granted).toEqual({ member: true });
  });
});

describe('splitStatements / toNamedParameters (db/sql-statements.ts) on tricky SQL', () => {
  it('keeps semicolons inside dollar-quoted bodies, with or without a tag, and nested different tags', () => {
    const script = `
      CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN PERFORM 1; RETURN 2; END; $$;
      CREATE FUNCTION g() RETURNS text LANGUAGE plpgsql AS $body$
      BEGIN
        EXECUTE $q$ SELECT ';' $q$; -- a comment; inside
        RETURN $inner$ $$; $inner$;
      END
      $body$;
      DO $$ BEGIN RAISE NOTICE '%', $x$;$x$; END $$`;

    const statements = splitStatements(script);

    expect(statements).toHaveLength(3);
    expect(statements[0]).toBe('CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN PERFORM 1; RETURN 2; END; $$');
    expect(statements[1]).toMatch(/^CREATE FUNCTION g\(\)[\s\S]*\$inner\$ \$\$; \$inner\$;[\s\S]*\$body\$$/);
    expect(statements[2]).toBe("DO $$ BEGIN RAISE NOTICE '%', $x$;$x$; END $$");
  });

  it('keeps semicolons inside strings (standard and E\'\' escapes), quoted identifiers and comments (nested block comments too)', () => {
    const script = [
      "SELECT 'it''s; fine', E'it\\'s; \\\\ fine';",
      'CREATE TABLE "weird;name" ("a""b;" int);',
      '-- a line comment; with a semicolon',
      'SELECT 1 /* block; /* nested; */ still inside; */ + 1;',
      "SELECT '$$;' AS not_a_dollar_quote;",
      '-- only a comment at the end;',
    ].join('\n');

    expect(splitStatements(script)).toEqual([
      "SELECT 'it''s; fine', E'it\\'s; \\\\ fine'",
      'CREATE TABLE "weird;name" ("a""b;" int)',
      '-- a line comment; with a semicolon\nSELECT 1 /* block; /* nested; */ still inside; */ + 1',
      "SELECT '$$;' AS not_a_dollar_quote",
    ]);
  });

  it('does not take a positional parameter or an identifier containing $ for a dollar quote', () => {
    expect(splitStatements('SELECT $1::int; SELECT a$b$c FROM t; SELECT 3')).toEqual(['SELECT $1::int', 'SELECT a$b$c FROM t', 'SELECT 3']);
    expect(lex('SELECT a$b$c').map((s) => s.kind)).toEqual(['code']);
  });

  it('refuses what it cannot split safely: BEGIN ATOMIC bodies, unterminated quotes', () => {
    expect(() => splitStatements('CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;')).toThrow(UnsupportedSqlError);
    expect(() => splitStatements("SELECT 'open")).toThrow(UnsupportedSqlError);
    expect(() => splitStatements('SELECT $$ open')).toThrow(UnsupportedSqlError);
    expect(() => splitStatements('/* open /* nested */')).toThrow(UnsupportedSqlError);
  });

  it('refuses what it cannot send one statement per call, naming the statement: COPY … FROM STDIN, multi-action rules, psql meta-commands', () => {
    const copy = "CREATE TABLE t (a text);\nCOPY t (a) FROM STDIN;\nit's data, not SQL\n\\.\n";
    const rule = 'CREATE RULE log_insert AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));';
    const meta = 'CREATE TABLE x (id int);\n\\set ON_ERROR_STOP on\nCREATE TABLE y (id int);';

    expect(() => splitStatements(copy)).toThrow(/^statement 2 \("COPY t \(a\) FROM STDIN"\): COPY … FROM STDIN/);
    expect(() => splitStatements('COPY (SELECT 1) TO STDOUT')).toThrow(/statement 1 .*TO STDOUT/);
    expect(() => splitStatements(rule)).toThrow(/^statement 1 \("CREATE RULE log_insert .*"\): a ";" inside parentheses \(a multi-action CREATE RULE/);
    expect(() => splitStatements(meta)).toThrow(/^statement 2: "\\set ON_ERROR_STOP on" is a psql meta-command/);
    expect(() => splitStatements('SELECT 1 \\gset')).toThrow(/"\\gset" is a psql meta-command/);
    // What looks alike but is SQL still splits: one-action rules, backslashes and parentheses inside literals.
    expect(splitStatements("CREATE RULE r AS ON DELETE TO t DO INSTEAD NOTHING; SELECT E'\\\\', '(;', $$ \\copy ( $$; COPY t FROM '/tmp/f'"))
      .toEqual(['CREATE RULE r AS ON DELETE TO t DO INSTEAD NOTHING', "SELECT E'\\\\', '(;', $$ \\copy ( $$", "COPY t FROM '/tmp/f'"]);
  });

  it('refuses a migration it cannot send before anything runs, naming the file and the statement (assertSendableOverDataApi)', () => {
    const file = (name: string, sql: string) => ({ name, sql, checksum: '' });

    expect(() => assertSendableOverDataApi([file('001_fine', 'SELECT 1;'), file('002_copy', 'SELECT 1;\nCOPY t FROM STDIN;\n1\n\\.\n')]))
      .toThrow(/^002_copy\.sql cannot be sent over the RDS Data API: statement 2 \("COPY t FROM STDIN"\)/);
    expect(() => assertSendableOverDataApi([file('003_meta', '\\i other.sql\n')])).toThrow(/^003_meta\.sql .*statement 1: "\\i other\.sql" is a psql meta-command/);
  });

  it('names positional parameters outside literals and comments, leaving casts alone', () => {
    expect(toNamedParameters(`SELECT $1, '$2', $$ $3 $$, "$4", $5::bigint, x$6 -- $7`))
      .toBe(`SELECT :p1, '$2', $$ $3 $$, "$4", :p5::bigint, x$6 -- $7`);
  });

  it('splits every migration so that running the pieces one by one is what running each file does (the snapshot test above), with no empty piece', async () => {
    for (const migration of await loadMigrations()) {
      const statements = splitStatements(migration.sql);
      expect(statements.length, migration.name).toBeGreaterThan(0);
      for (const statement of statements) expect(statement.trim(), migration.name).not.toBe('');
    }
  });
});
