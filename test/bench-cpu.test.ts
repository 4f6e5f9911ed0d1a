import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localPostmasterPid, mergeCpu, processCpuUs, processTreeCpuUs, startCpuReading } from '../bench/discovery/cpu.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

/** Keeps this process busy until it has used `ms` more of CPU (by its own count, not /proc's), however loaded the machine. */
const burn = (ms: number) => {
  const start = process.cpuUsage();
  for (let used = 0; used < ms * 1000; used = process.cpuUsage(start).user + process.cpuUsage(start).system);
};
/** A Node process that burns `ms` of CPU, then exits (or waits to be killed). */
const burner = (ms: number, then: 'exit' | 'wait') =>
  `const s = process.cpuUsage(); while (process.cpuUsage(s).user + process.cpuUsage(s).system < ${ms * 1000}); ` +
  `${then === 'wait' ? 'setInterval(() => {}, 1000);' : ''}`;

let db: TestDatabase;
beforeAll(async () => { db = await createTestDatabase('bench_cpu'); });
afterAll(async () => { await db?.drop(); });

describe.runIf(process.platform === 'linux')('bench CPU readings (/proc): what each process spends per request', () => {
  it('reads a process\'s CPU: 300 ms burnt shows as 270-400 ms (10 ms ticks, and the process\'s other threads)', () => {
    const before = processCpuUs(process.pid)!;
    burn(300);
    const used = processCpuUs(process.pid)! - before;
    expect(used).toBeGreaterThanOrEqual(270_000);
    expect(used).toBeLessThan(400_000);
    expect(processCpuUs(2 ** 22 + 1), 'no such process').toBeUndefined();
  });

  it('reads a server\'s tree: its live children and the ones it has reaped', async () => {
    // A shell that runs one burner to its end (reaped: the shell's cutime) and keeps another running (a live child).
    const shell = spawn('sh', ['-c', `"${process.execPath}" -e '${burner(200, 'exit')}'; "${process.execPath}" -e '${burner(200, 'wait')}'`],
      { stdio: 'ignore' });
    try {
      const start = processTreeCpuUs(shell.pid!)!;
      expect(start).toBeLessThan(150_000);
      let used = 0;
      for (const deadline = Date.now() + 10_000; Date.now() < deadline && used < 400_000; await new Promise((r) => setTimeout(r, 50))) {
        used = processTreeCpuUs(shell.pid!)! - start;
      }
      expect(used, 'both burners: 200 ms reaped + 200 ms live').toBeGreaterThanOrEqual(300_000);
    } finally {
      shell.kill('SIGKILL');
      await once(shell, 'exit');
    }
  });

  it('finds the local PostgreSQL\'s postmaster from a connection, and reads its backends\' CPU', async () => {
    const postmaster = await localPostmasterPid(db.app);
    expect(postmaster).toBeTypeOf('number');
    const reading = startCpuReading({ postgresPid: postmaster });
    await db.app`SELECT count(*) FROM generate_series(1, 3000000)`;
    const cpu = reading.perRequest(1);
    expect(cpu.postgresUs, 'the backend\'s count of 3M rows').toBeGreaterThanOrEqual(50_000);
    expect(cpu.loadUs, 'no load process read').toBeUndefined();
    expect(cpu.benchUs).toBeGreaterThan(0);
  });

  it('merges rounds weighted by their requests; a process missing from any round is missing from the sum', () => {
    expect(mergeCpu([{ cpu: { benchUs: 100, postgresUs: 300 }, requests: 1 }, { cpu: { benchUs: 200, postgresUs: 600 }, requests: 3 }]))
      .toEqual({ benchUs: 175, loadUs: undefined, postgresUs: 525 });
    expect(mergeCpu([{ cpu: { benchUs: 100, loadUs: 5 }, requests: 1 }, { cpu: { benchUs: 100 }, requests: 1 }]).loadUs).toBeUndefined();
  });
});
