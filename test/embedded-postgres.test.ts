import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { chmod, chown, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { describe, expect, it, onTestFinished } from 'vitest';
import { quiet } from '#db/bootstrap.ts';
import { findFreePort, removeClusterData, startEmbeddedPostgres, type EmbeddedCluster } from '#local/embedded-postgres.ts';

const isRoot = process.getuid?.() === 0;
const modeOf = async (path: string) => (await stat(path)).mode & 0o7777;

/** A directory of this test's own with `mode` (chmod, so the umask does not interfere), removed afterwards. */
async function scratchDir(mode: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sv-pgdir-'));
  await chmod(dir, mode);
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts a throwaway cluster in `dataDir`, proves it answers, and stops it. */
async function startAnswerStop(dataDir: string, persistent = false): Promise<EmbeddedCluster> {
  const cluster = await startEmbeddedPostgres({ dataDir, port: await findFreePort(), persistent });
  try {
    const sql = postgres(cluster.superuserUrl, { max: 1, ...quiet });
    const [row] = await sql`SELECT current_setting('data_directory') AS dir`;
    await sql.end();
    expect(row!.dir).toBe(cluster.dataDir);
  } finally {
    await cluster.stop();
  }
  return cluster;
}

describe('startEmbeddedPostgres (local/embedded-postgres.ts) never changes the mode of a directory it did not create', () => {
  it('a data directory directly under a sticky, world-writable directory (as the system temp directory is) leaves it 1777', async () => {
    const systemTempLike = await scratchDir(0o1777);

    const cluster = await startAnswerStop(join(systemTempLike, 'pg'));

    expect((await modeOf(systemTempLike)).toString(8)).toBe('1777');
    expect(cluster.dataDir).toBe(join(systemTempLike, 'pg'));
  });

  it('a data directory directly under the system temp directory itself leaves its mode as it was', async () => {
    const before = await modeOf(tmpdir());
    const dataDir = join(tmpdir(), `sv-pg-direct-${randomUUID().slice(0, 8)}`);
    onTestFinished(() => rm(dataDir, { recursive: true, force: true }));

    await startAnswerStop(dataDir);

    expect((await modeOf(tmpdir())).toString(8)).toBe(before.toString(8));
  });

  it('under a directory the postgres user may not enter (a 0700 home or mkdtemp directory): mode kept; as root the cluster lives elsewhere, found again on the next run', async () => {
    const privateHome = await scratchDir(0o700);
    const dataDir = join(privateHome, 'project', '.local', 'postgres');
    onTestFinished(() => removeClusterData(dataDir));

    const first = await startAnswerStop(dataDir, true);
    const second = await startAnswerStop(dataDir, true);

    expect((await modeOf(privateHome)).toString(8)).toBe('700');
    // What it created itself may be opened: the directories between the 0700 one and the data.
    if (isRoot) expect((await modeOf(dirname(dataDir))).toString(8)).toBe('755');
    expect(first.dataDir).toEqual(isRoot ? expect.stringMatching(new RegExp(`^${tmpdir()}/streamvibe-postgres-[0-9a-f]{12}/data$`)) : dataDir);
    expect({ reused: second.reused, dataDir: second.dataDir }).toEqual({ reused: true, dataDir: first.dataDir });
    await removeClusterData(dataDir);
    await expect(stat(first.dataDir)).rejects.toThrow(/ENOENT/);
  });

  it('creates missing directories above the data itself, and opens only those', async () => {
    const systemTempLike = await scratchDir(0o1777);
    const created = join(systemTempLike, 'a', 'b');

    await startAnswerStop(join(created, 'pg'));

    expect((await modeOf(systemTempLike)).toString(8)).toBe('1777');
    if (isRoot) expect([await modeOf(join(systemTempLike, 'a')), await modeOf(created)].map((m) => m.toString(8))).toEqual(['755', '755']);
  });

  it.runIf(isRoot)('as a user other than root (here: the postgres user), the same: a sticky directory and the user\'s own 0700 directory keep their modes, no relocation', async () => {
    const user = { uid: Number((await promisify(execFile)('id', ['-u', 'postgres'])).stdout), gid: Number((await promisify(execFile)('id', ['-g', 'postgres'])).stdout) };
    const systemTempLike = await scratchDir(0o1777);
    const privateHome = await scratchDir(0o700);
    await chown(privateHome, user.uid, user.gid);
    const dataDirs = [join(systemTempLike, 'pg'), join(privateHome, 'project', '.local', 'postgres')];

    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fixtures/embedded-postgres-as-user.ts', import.meta.url)), ...dataDirs],
      { ...user, cwd: fileURLToPath(new URL('..', import.meta.url)), env: { PATH: process.env.PATH, HOME: privateHome } });

    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({ uid: user.uid, placed: dataDirs });
    expect([await modeOf(systemTempLike), await modeOf(privateHome)].map((m) => m.toString(8))).toEqual(['1777', '700']);
  });
});
