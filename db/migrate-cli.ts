/** `npm run db:migrate`: migrates DATABASE_URL (as given), or the local embedded PostgreSQL when it is unset. */
import postgres from 'postgres';
import { loadMigrations, migrate, type MigrateResult } from './migrate.ts';
import { postgresMigrationDatabase } from './postgres-adapter.ts';
import { quiet } from './bootstrap.ts';
import { startLocalDatabase } from '../local/database.ts';

async function migrateExternal(url: string): Promise<MigrateResult> {
  const sql = postgres(url, { max: 1, ...quiet });
  try {
    return await migrate(postgresMigrationDatabase(sql), await loadMigrations());
  } finally {
    await sql.end();
  }
}

async function migrateLocal(): Promise<MigrateResult> {
  const local = await startLocalDatabase();
  await local.stop();
  return local.migrations;
}

try {
  const url = process.env.DATABASE_URL;
  const { applied, skipped } = url ? await migrateExternal(url) : await migrateLocal();
  console.log(`migrations: ${applied.length} applied${applied.length ? ` (${applied.join(', ')})` : ''}, ${skipped.length} already applied`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
