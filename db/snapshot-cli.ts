/**
 * `npm run db:snapshot`: applies db/migrations to a fresh, throwaway embedded PostgreSQL (or to DATABASE_URL, as
 * given: point it at an empty database) and writes the schema to db/schema.sql.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import postgres from 'postgres';
import { bootstrapDatabase, migrateDatabase, quiet } from './bootstrap.ts';
import { SCHEMA_SNAPSHOT_PATH, snapshotSchema } from './snapshot.ts';
import { findFreePort, makeClusterTempDir, startEmbeddedPostgres } from '../local/embedded-postgres.ts';

async function snapshotOf(url: string): Promise<string> {
  await migrateDatabase(url);
  const sql = postgres(url, { max: 1, ...quiet });
  try {
    return await snapshotSchema(sql);
  } finally {
    await sql.end();
  }
}

async function snapshotOfFreshCluster(): Promise<string> {
  const dir = await makeClusterTempDir('sv-snapshot-');
  try {
    const cluster = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port: await findFreePort(), persistent: false });
    try {
      return await snapshotOf(await bootstrapDatabase(cluster.superuserUrl, 'streamvibe', 'snapshot'));
    } finally {
      await cluster.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

try {
  const url = process.env.DATABASE_URL;
  const snapshot = url ? await snapshotOf(url) : await snapshotOfFreshCluster();
  const previous = await readFile(SCHEMA_SNAPSHOT_PATH, 'utf8').catch(() => undefined);
  await writeFile(SCHEMA_SNAPSHOT_PATH, snapshot);
  const path = relative(process.cwd(), SCHEMA_SNAPSHOT_PATH);
  console.log(`${path}: ${previous === snapshot ? 'unchanged' : previous === undefined ? 'written' : 'updated'} ` +
    `(${snapshot.split('\n').length - 1} lines)`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
