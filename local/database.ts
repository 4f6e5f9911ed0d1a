import { APP_ROLE, OWNER_ROLE } from '../db/roles.ts';
import { bootstrapDatabase, connectionUrl, migrateDatabase } from '../db/bootstrap.ts';
import { assertPortFree, removeClusterData, startEmbeddedPostgres } from './embedded-postgres.ts';

/** Where the local stack keeps what survives restarts (LOCAL_STATE_DIR, default .local/); `npm start -- --reset` wipes it. */
export const LOCAL_STATE_DIR = process.env.LOCAL_STATE_DIR || '.local';
export const LOCAL_DATA_DIR = `${LOCAL_STATE_DIR}/postgres`;
/** The local identity's signing key and users. */
export const LOCAL_IDENTITY_DIR = `${LOCAL_STATE_DIR}/identity`;
export const LOCAL_PG_PORT = Number(process.env.LOCAL_PG_PORT ?? 54329);
const LOCAL_DATABASE = 'streamvibe';
const LOCAL_OWNER_PASSWORD = 'streamvibe_owner';
const LOCAL_APP_PASSWORD = 'streamvibe_app';
/** The owner's connection string to the local database while it runs (what `npm start` prints as "owner"). */
export const LOCAL_OWNER_URL = `postgres://${OWNER_ROLE}:${LOCAL_OWNER_PASSWORD}@127.0.0.1:${LOCAL_PG_PORT}/${LOCAL_DATABASE}`;

/** The local database for `npm start` and `npm run db:migrate`: embedded PostgreSQL 17, data kept in LOCAL_DATA_DIR. */
export async function startLocalDatabase(options: { reset?: boolean } = {}) {
  await assertPortFree(LOCAL_PG_PORT, 'Is `npm start` already running? Use the owner URL it printed as DATABASE_URL, ' +
    'stop it, or set LOCAL_PG_PORT to another port.');
  if (options.reset) await removeClusterData(LOCAL_DATA_DIR);
  const cluster = await startEmbeddedPostgres({ dataDir: LOCAL_DATA_DIR, port: LOCAL_PG_PORT });
  const ownerUrl = await bootstrapDatabase(cluster.superuserUrl, LOCAL_DATABASE, LOCAL_OWNER_PASSWORD);
  const migrations = await migrateDatabase(ownerUrl, LOCAL_APP_PASSWORD);
  return {
    ownerUrl,
    appUrl: connectionUrl(ownerUrl, { user: APP_ROLE, password: LOCAL_APP_PASSWORD }),
    migrations,
    stop: cluster.stop,
  };
}
