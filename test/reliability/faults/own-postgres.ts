import { join } from 'node:path';
import postgres from 'postgres';
import { bootstrapDatabase, connectionUrl, migrateDatabase, quiet } from '../../../db/bootstrap.ts';
import { APP_ROLE } from '../../../db/roles.ts';
import { findFreePort, makeClusterTempDir, removeClusterData, startEmbeddedPostgres, type EmbeddedCluster } from '../../../local/embedded-postgres.ts';
import type { TestDatabase } from '../../db.ts';

const OWNER_PASSWORD = 'owner';
const APP_PASSWORD = 'app';

/**
 * A PostgreSQL of the test's own (the run's shared cluster serves every other test file, so it cannot be restarted),
 * migrated, with its data kept across `restart` as a real server's is.
 */
export async function startOwnPostgres(): Promise<{ db: TestDatabase; restart(downMs: number): Promise<void>; stop(): Promise<void> }> {
  const dataDir = join(await makeClusterTempDir('sv-restart-'), 'pg');
  const port = await findFreePort();
  let cluster: EmbeddedCluster = await startEmbeddedPostgres({ dataDir, port, persistent: true });
  const ownerUrl = await bootstrapDatabase(cluster.superuserUrl, 'streamvibe_restart', OWNER_PASSWORD);
  await migrateDatabase(ownerUrl, APP_PASSWORD);
  const appUrl = connectionUrl(ownerUrl, { user: APP_ROLE, password: APP_PASSWORD });
  const owner = postgres(ownerUrl, { max: 4, ...quiet });
  const app = postgres(appUrl, { max: 10, ...quiet });
  return {
    db: {
      name: 'streamvibe_restart', owner, app, url: { owner: ownerUrl, app: appUrl },
      async drop() {
        await Promise.all([owner.end({ timeout: 1 }), app.end({ timeout: 1 })]);
      },
    },
    async stop() {
      await cluster.stop();
      await removeClusterData(dataDir);
    },
    /** Stops PostgreSQL (a fast shutdown: sessions are ended, open transactions roll back), keeps it down, starts it again. */
    async restart(downMs) {
      await cluster.stop();
      await new Promise((resume) => setTimeout(resume, downMs));
      cluster = await startEmbeddedPostgres({ dataDir, port, persistent: true });
    },
  };
}
