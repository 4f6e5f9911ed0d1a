import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** Runs one statement (or, without params, a multi-statement script) and returns its rows. */
export type SqlExecutor = (text: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

/** The whole database port of the runner: one transaction at a time (postgres.js locally, the RDS Data API at deploy). */
export interface MigrationDatabase {
  transaction<T>(work: (exec: SqlExecutor) => Promise<T>): Promise<T>;
}

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationChecksumError extends Error {
  override name = 'MigrationChecksumError';
  constructor(readonly migration: string) {
    super(`Migration ${migration} was edited after it was applied (checksum differs from the ledger). ` +
      'Applied migrations are append-only: revert the edit and add a new numbered migration instead.');
  }
}

export class UnknownMigrationError extends Error {
  override name = 'UnknownMigrationError';
  constructor(readonly migration: string) {
    super(`The database has migration ${migration} applied, but no such file exists in db/migrations.`);
  }
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/**
 * Any fixed 64-bit key: every runner of this project serialises on it, whatever connection it holds. Sent as text
 * and cast in SQL: the RDS Data API types a string parameter as varchar, which no advisory-lock function takes.
 */
const MIGRATION_LOCK_KEY = 7_305_116_101_112n;

const ENSURE_LEDGER_SQL = `
  CREATE SCHEMA IF NOT EXISTS meta;
  REVOKE ALL ON SCHEMA meta FROM PUBLIC;
  CREATE TABLE IF NOT EXISTS meta.migrations (
    name        text PRIMARY KEY,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
  );`;

/** Reads `NNN_name.sql` files in name order, with their sha256 checksums. */
export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort();
  return Promise.all(files.map(async (file) => {
    const sql = await readFile(join(dir, file), 'utf8');
    return { name: file.replace(/\.sql$/, ''), sql, checksum: createHash('sha256').update(sql).digest('hex') };
  }));
}

/** One value that changes when any migration file is added, removed or edited (the deploy's custom resource property). */
export const migrationsFingerprint = (migrations: Migration[]) =>
  createHash('sha256').update(migrations.map((m) => `${m.name}:${m.checksum}`).join('\n')).digest('hex');

export interface LedgerStatus {
  /** Files not in the ledger yet. */
  pending: string[];
  /** Ledger rows with no file: the database is ahead of these files (or they were removed). */
  unknown: string[];
}

/** Compares the files with the ledger, reading only (no lock, no DDL): what a run would apply, and what it would not know. */
export async function ledgerStatus(db: MigrationDatabase, migrations: Migration[]): Promise<LedgerStatus> {
  const names = await db.transaction(async (exec) => {
    const [found] = await exec("SELECT to_regclass('meta.migrations') IS NOT NULL AS present");
    return found?.present ? (await exec('SELECT name FROM meta.migrations')).map((row) => String(row.name)) : [];
  });
  const files = new Set(migrations.map((m) => m.name));
  return {
    pending: migrations.map((m) => m.name).filter((name) => !names.includes(name)),
    unknown: names.filter((name) => !files.has(name)).sort(),
  };
}

export interface MigrateResult {
  applied: string[];
  skipped: string[];
}

/**
 * Applies pending migrations in order. Each file runs in its own transaction together with its ledger row,
 * after taking a transaction-level advisory lock, so concurrent runners apply every file exactly once.
 * Nothing is applied if any already-applied file was edited.
 */
export async function migrate(db: MigrationDatabase, migrations: Migration[]): Promise<MigrateResult> {
  await db.transaction(async (exec) => {
    await exec('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY.toString()]);
    await exec(ENSURE_LEDGER_SQL);
    const ledger = await exec('SELECT name, checksum FROM meta.migrations ORDER BY name');
    const byName = new Map(migrations.map((m) => [m.name, m]));
    for (const row of ledger) {
      const file = byName.get(String(row.name));
      if (!file) throw new UnknownMigrationError(String(row.name));
      if (file.checksum !== row.checksum) throw new MigrationChecksumError(file.name);
    }
  });

  const result: MigrateResult = { applied: [], skipped: [] };
  for (const migration of migrations) {
    const applied = await db.transaction(async (exec) => {
      await exec('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY.toString()]);
      const [done] = await exec('SELECT checksum FROM meta.migrations WHERE name = $1', [migration.name]);
      if (done) {
        if (done.checksum !== migration.checksum) throw new MigrationChecksumError(migration.name);
        return false;
      }
      await exec('INSERT INTO meta.migrations (name, checksum) VALUES ($1, $2)', [migration.name, migration.checksum]);
      await exec(migration.sql);
      return true;
    });
    (applied ? result.applied : result.skipped).push(migration.name);
  }
  return result;
}
