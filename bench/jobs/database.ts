import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import postgres from 'postgres';
import { APP_ROLE } from '../../db/roles.ts';
import { bootstrapDatabase, connectionUrl, migrateDatabase, quiet } from '../../db/bootstrap.ts';
import { findFreePort, makeClusterTempDir, startEmbeddedPostgres } from '../../local/embedded-postgres.ts';

const OWNER_PASSWORD = process.env.BENCH_OWNER_PASSWORD ?? 'bench_owner';
const APP_PASSWORD = process.env.BENCH_APP_PASSWORD ?? 'bench_app';

export interface BenchDatabase {
  ownerUrl: string;
  appUrl: string;
  /** The server's superuser (the embedded cluster's) or DATABASE_URL's role, on the benchmark's database. */
  superuserUrl: string;
  /** Where it runs, for the report. */
  description: string;
  /** Drops what the benchmark created (the temp cluster, or the database on DATABASE_URL's server). */
  stop(): Promise<void>;
}

/**
 * A throwaway, migrated database: a fresh embedded PostgreSQL 17 in a temp dir on a free port (deleted on stop),
 * or, with `serverUrl` (DATABASE_URL: a role that may create roles and databases, as for `npm test`), a new
 * database `sv_bench_<name>_<random>` on that server, dropped on stop. Roles are cluster-wide: as with `npm test`,
 * migrating sets the app role's password (BENCH_APP_PASSWORD, default bench_app) and an existing owner role must
 * have BENCH_OWNER_PASSWORD (default bench_owner).
 */
export async function startBenchDatabase(
  serverUrl: string | undefined, name = 'jobs', options: { preloadLibraries?: string[] } = {},
): Promise<BenchDatabase> {
  let superuserUrl = serverUrl;
  let stopCluster = async () => {};
  let description = `DATABASE_URL server ${new URL(serverUrl ?? 'postgres://x').host}`;
  const database = `sv_bench_${name}_${randomUUID().slice(0, 8)}`;
  if (!superuserUrl) {
    const tempDir = await makeClusterTempDir(`sv-bench-${name}-`);
    const port = await findFreePort();
    const dataDir = join(tempDir, 'pg');
    // Kept between the two starts when libraries are preloaded (a restart applies them); the temp dir goes at the end.
    const persistent = Boolean(options.preloadLibraries?.length);
    const start = () => startEmbeddedPostgres({ dataDir, port, persistent });
    let cluster = await start().catch(async (error) => {
      await rm(tempDir, { recursive: true, force: true });
      throw error;
    });
    if (options.preloadLibraries?.length) {
      const su = postgres(cluster.superuserUrl, { max: 1, ...quiet });
      await su.unsafe(`ALTER SYSTEM SET shared_preload_libraries = '${options.preloadLibraries.join(',')}'`).finally(() => su.end());
      await cluster.stop();
      cluster = await start().catch(async (error) => {
        await rm(tempDir, { recursive: true, force: true });
        throw error;
      });
    }
    superuserUrl = cluster.superuserUrl;
    description = `embedded PostgreSQL on 127.0.0.1:${port}, temp dir (deleted afterwards)`;
    stopCluster = async () => {
      await cluster.stop();
      await rm(tempDir, { recursive: true, force: true });
    };
  }
  const dropDatabase = async () => {
    if (!serverUrl) return; // the whole temp cluster goes
    const admin = postgres(serverUrl, { max: 1, ...quiet });
    try {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  };
  try {
    const ownerUrl = await bootstrapDatabase(superuserUrl, database, OWNER_PASSWORD);
    await migrateDatabase(ownerUrl, APP_PASSWORD);
    return {
      ownerUrl,
      appUrl: connectionUrl(ownerUrl, { user: APP_ROLE, password: APP_PASSWORD }),
      superuserUrl: connectionUrl(superuserUrl, { database }),
      description: `${description}, database ${database}`,
      stop: async () => {
        await dropDatabase().catch((error: unknown) => process.stderr.write(`could not drop ${database}: ${String(error)}\n`));
        await stopCluster();
      },
    };
  } catch (error) {
    await dropDatabase().catch(() => {});
    await stopCluster();
    throw error;
  }
}
