import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { APP_ROLE } from '../../db/roles.ts';
import { bootstrapDatabase, connectionUrl, migrateDatabase } from '../../db/bootstrap.ts';
import { findFreePort, makeClusterTempDir, startEmbeddedPostgres } from '../../local/embedded-postgres.ts';

export const BENCH_DATABASE = 'streamvibe_bench';
const BENCH_OWNER_PASSWORD = 'bench_owner';
const BENCH_APP_PASSWORD = 'bench_app';

export interface BenchDatabase {
  ownerUrl: string;
  appUrl: string;
  /** The server's superuser or bootstrap role (auto_explain needs a superuser). */
  superuserUrl: string;
  /** Where it runs, for the report. */
  description: string;
  stop(): Promise<void>;
}

/**
 * The benchmark's database, migrated: a fresh embedded PostgreSQL in a temp dir (deleted on stop), or in `dataDir`
 * (kept, so a second run can reuse its data), or the server at `superuserUrl` (a role that may create roles and
 * databases, as for the tests), where a `streamvibe_bench` database is created.
 */
export async function startBenchDatabase(options: { superuserUrl?: string; dataDir?: string }): Promise<BenchDatabase> {
  let superuserUrl = options.superuserUrl;
  let stopCluster = async () => {};
  let description = `DATABASE_URL ${new URL(superuserUrl ?? 'postgres://x').host}`;
  if (!superuserUrl) {
    const tempDir = options.dataDir ? undefined : await makeClusterTempDir('sv-bench-');
    const dataDir = options.dataDir ? resolve(options.dataDir) : join(tempDir!, 'pg');
    const cluster = await startEmbeddedPostgres({ dataDir, port: await findFreePort(), persistent: Boolean(options.dataDir) });
    superuserUrl = cluster.superuserUrl;
    description = `embedded PostgreSQL, ${tempDir ? 'temp dir (deleted afterwards)' : `${cluster.dataDir} (${cluster.reused ? 'reused' : 'new'}, kept)`}`;
    stopCluster = async () => {
      await cluster.stop();
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
    };
  }
  try {
    const ownerUrl = await bootstrapDatabase(superuserUrl, BENCH_DATABASE, BENCH_OWNER_PASSWORD);
    await migrateDatabase(ownerUrl, BENCH_APP_PASSWORD);
    return { ownerUrl, appUrl: connectionUrl(ownerUrl, { user: APP_ROLE, password: BENCH_APP_PASSWORD }), superuserUrl, description,
      stop: stopCluster };
  } catch (error) {
    await stopCluster();
    throw error;
  }
}
