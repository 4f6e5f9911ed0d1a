/**
 * `npm ci` runs no install-time analytics: every dependency's install script is reviewed in package.json's
 * allowScripts (npm ≥ 11.19 runs only approved ones), the analytics reporter among them denied, and for npm versions
 * that run every install script, the reporter's own documented opt-out (scarfSettings.enabled = false) stops it.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = resolve(import.meta.dirname, '..');
const ANALYTICS_PACKAGES = ['@scarf/scarf'];

const readJson = async (path: string) => JSON.parse(await readFile(join(REPO_ROOT, path), 'utf8'));

describe('install scripts of dependencies', () => {
  it('are each decided in package.json allowScripts (a new one fails here until reviewed), analytics denied', async () => {
    const pkg = await readJson('package.json');
    const lock = await readJson('package-lock.json');
    const withScripts = Object.entries(lock.packages as Record<string, { hasInstallScript?: boolean }>)
      .filter(([path, entry]) => path !== '' && entry.hasInstallScript)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts).toEqual(expect.arrayContaining(ANALYTICS_PACKAGES));
    const undecided = withScripts.filter((name) => typeof pkg.allowScripts?.[name] !== 'boolean');
    expect(undecided).toEqual([]);
    for (const name of ANALYTICS_PACKAGES) expect(pkg.allowScripts[name], name).toBe(false);
    expect(pkg.scarfSettings).toEqual({ enabled: false });
  });

  it('include Scarf’s reporter, which, run as its postinstall runs, declines without touching the network', async () => {
    // Its own temp folder: the reporter keeps a rate-limit log in os.tmpdir().
    const scratch = await mkdtemp(join(tmpdir(), 'sv-scarf-'));
    try {
      const { DO_NOT_TRACK: _a, SCARF_ANALYTICS: _b, SCARF_NO_ANALYTICS: _c, ...env } = process.env;
      const child = spawn(process.execPath, ['-r', join(REPO_ROOT, 'test/fixtures/no-network.cjs'), 'node_modules/@scarf/scarf/report.js'], {
        cwd: REPO_ROOT, env: { ...env, INIT_CWD: REPO_ROOT, SCARF_VERBOSE: 'true', TMPDIR: scratch }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (c: Buffer) => { output += c.toString(); });
      child.stderr.on('data', (c: Buffer) => { output += c.toString(); });
      const code = await new Promise<number | null>((done) => child.once('exit', done));
      expect(output).not.toContain('NETWORK ATTEMPT');
      expect(output).toContain('Scarf has been disabled via a package.json');
      expect(code).toBe(0);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
});
