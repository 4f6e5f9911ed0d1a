import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { testContext } from './synth.ts';

const run = promisify(execFile);
const REPO_ROOT = new URL('../..', import.meta.url).pathname;
const outdirs: string[] = [];
afterAll(() => Promise.all(outdirs.map((dir) => rm(dir, { recursive: true, force: true }))));

/** Runs infra/app.ts as `cdk synth` does (context in CDK_CONTEXT_JSON, output in CDK_OUTDIR), bundling skipped. */
async function synthApp(preload?: string) {
  const outdir = await mkdtemp(join(tmpdir(), 'sv-app-'));
  outdirs.push(outdir);
  const args = [...(preload ? ['--import', preload] : []), 'infra/app.ts'];
  const env = { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(testContext('dev')) };
  const result = await run(join(REPO_ROOT, 'node_modules/.bin/tsx'), args, { cwd: REPO_ROOT, env, timeout: 120_000 })
    .then(({ stderr }) => ({ code: 0, stderr }), (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }));
  return { ...result, outdir };
}

describe('infra/app.ts runs cdk-nag on every synth (and so every deploy)', () => {
  it('synthesizes the stage when nothing is open, and fails naming the rule when a construct has an open finding', async () => {
    const [clean, withFinding] = await Promise.all([synthApp(), synthApp('./test/fixtures/cdk-extra-finding.ts')]);

    expect(clean.code, clean.stderr).toBe(0);
    expect((await readdir(clean.outdir)).filter((f) => f.endsWith('.template.json'))).toHaveLength(8);
    expect(withFinding.code).not.toBe(0);
    const report = await readFile(join(withFinding.outdir, 'validation-report.json'), 'utf8');
    expect(report).toContain('AwsSolutions-SQS3');
    expect(report).toContain('StreamVibe-dev-Extra/Unprotected/Resource');
  });
});
