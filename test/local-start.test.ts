/**
 * `npm start` as scripts and editors run it: in the background, stopped by the process id they got (`npm start &` …
 * `kill $!`), which is npm's, not the stack's. Spawns the real `npm start` on free ports with its own state directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assertPortFree, findFreePort, makeClusterTempDir } from '../local/embedded-postgres.ts';

const REPO_ROOT = resolve(import.meta.dirname, '..');
const READY_TIMEOUT_MS = 90_000;
const STOPPED_TIMEOUT_MS = 30_000;

interface Started { child: ChildProcess; output: () => string; exited: Promise<number | null> }

function npmStart(env: Record<string, string>): Started {
  const { AWS_ENDPOINT_URL: _external, PUBLIC_SITE_URL: _site, ...inherited } = process.env;
  const child = spawn('npm', ['start'], { cwd: REPO_ROOT, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, output: () => output, exited };
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean> | boolean, output: () => string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; npm start said:\n${output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const isFree = (port: number) => assertPortFree(port, '').then(() => true, () => false);

/** Processes whose command line mentions `text` (Linux /proc; elsewhere the check is skipped). */
async function processesMentioning(text: string): Promise<string[]> {
  const pids = await readdir('/proc').catch(() => [] as string[]);
  const found: string[] = [];
  for (const pid of pids.filter((p) => /^\d+$/.test(p))) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(text)) found.push(`${pid}: ${cmdline.replaceAll('\0', ' ')}`);
  }
  return found;
}

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function freshSetup() {
  const stateDir = await makeClusterTempDir('sv-start-');  // PostgreSQL (as the OS user postgres, when root) may enter it
  cleanup.push(() => rm(stateDir, { recursive: true, force: true }));
  const ports = { api: await findFreePort(), sqs: await findFreePort(), pg: await findFreePort() };
  const env = { PORT: String(ports.api), LOCAL_SQS_PORT: String(ports.sqs), LOCAL_PG_PORT: String(ports.pg), LOCAL_STATE_DIR: stateDir };
  return { stateDir, ports, env };
}

describe('npm start, stopped by the process id of npm (npm start & … kill $!)', () => {
  it('stops the whole stack on SIGTERM to npm: every port free, no PostgreSQL of it left; its URLs follow PORT', async () => {
    const { stateDir, ports, env } = await freshSetup();
    const started = npmStart(env);
    cleanup.push(async () => { if (started.child.exitCode === null) started.child.kill('SIGKILL'); });
    await waitFor('the stack to be ready', READY_TIMEOUT_MS, () => started.output().includes('local stack ready'), started.output);

    const robots = await (await fetch(`http://localhost:${ports.api}/robots.txt`)).text();
    expect(robots).toContain(`Sitemap: http://localhost:${ports.api}/sitemap.xml`);
    expect(started.output()).toContain(`API:      http://localhost:${ports.api} `);
    expect(started.output()).not.toMatch(/localhost:3000\b/);
    expect(await processesMentioning(stateDir)).not.toEqual([]);  // PostgreSQL runs from the state directory

    started.child.kill('SIGTERM');  // npm's pid: what `kill $!` signals
    await waitFor('every port and process of the stack to be gone', STOPPED_TIMEOUT_MS, async () =>
      (await isFree(ports.api)) && (await isFree(ports.sqs)) && (await isFree(ports.pg)) && (await processesMentioning(stateDir)).length === 0,
    started.output);
    await waitFor('the stack to say it stopped', STOPPED_TIMEOUT_MS, () => /stopping…[\s\S]*stopped\./.test(started.output()), started.output);
  });

  it('refuses a busy API port with a clear message, starting nothing (no stack trace)', async () => {
    const { stateDir, ports, env } = await freshSetup();
    const squatter = createServer();
    await new Promise<void>((ready) => squatter.listen(ports.api, '127.0.0.1', ready));
    cleanup.push(() => new Promise<void>((done) => squatter.close(() => done())));
    const started = npmStart(env);
    cleanup.push(async () => { if (started.child.exitCode === null) started.child.kill('SIGKILL'); });
    const code = await Promise.race([started.exited, new Promise((r) => setTimeout(() => r('timeout'), READY_TIMEOUT_MS))]);
    expect(code, started.output()).toBe(1);
    expect(started.output()).toContain(`npm start failed: 127.0.0.1:${ports.api} is already in use. The API needs it.`);
    expect(started.output()).toContain('set PORT to another port');
    expect(started.output()).not.toMatch(/^\s+at /m);
    expect([await isFree(ports.sqs), await isFree(ports.pg)]).toEqual([true, true]);
    expect(await processesMentioning(stateDir)).toEqual([]);
  });
});
