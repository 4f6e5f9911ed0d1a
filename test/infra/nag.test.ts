import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack, Validations, type App } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { functions, type FunctionSpec } from '../../functions/manifest.ts';
import { STAGES, type Stage } from '../../infra/config.ts';
import { buildStage } from './synth.ts';

const outdirs: string[] = [];
afterAll(() => Promise.all(outdirs.map((dir) => rm(dir, { recursive: true, force: true }))));

interface Violation { ruleName: string; violatingConstructs: { constructPath: string }[] }

/** Synthesizes with AwsSolutions registered; returns every open finding as `rule at construct path`. */
async function nagFindings(app: App, outdir: string): Promise<string[]> {
  try {
    app.synth();
    return [];
  } catch (error) {
    const report = JSON.parse(await readFile(join(outdir, 'validation-report.json'), 'utf8').catch(() => { throw error; })) as
      { pluginReports: { violations: Violation[] }[] };
    return report.pluginReports.flatMap((r) => r.violations)
      .flatMap((v) => v.violatingConstructs.map((c) => `${v.ruleName} at ${c.constructPath}`)).sort();
  }
}

async function nagStage(stage: Stage, extend?: (app: App) => void) {
  const outdir = await mkdtemp(join(tmpdir(), 'sv-nag-'));
  outdirs.push(outdir);
  const { app } = await buildStage(stage, { nag: true, outdir });
  extend?.(app);
  return { app, findings: await nagFindings(app, outdir) };
}

/** Every acknowledgement recorded in the app: construct path, rule id, reason. */
function acknowledgements(app: App) {
  return app.node.findAll().flatMap((construct) => construct.node.metadata
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((m) => Object.entries(m.data as Record<string, string>)
      .map(([id, reason]) => ({ path: construct.node.path, id, reason }))));
}

describe('cdk-nag AwsSolutions on the whole app', () => {
  it.each(STAGES)('passes for stage %s: no open finding, and every acknowledgement carries a reason', async (stage) => {
    const { app, findings } = await nagStage(stage);

    expect(findings).toEqual([]);
    const acks = acknowledgements(app).filter((a) => a.id.includes('AwsSolutions'));
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) expect(ack.reason.trim().length, `${ack.id} at ${ack.path}`).toBeGreaterThan(20);
  });

  it('passes with a Lambda that names the OAuth token secrets (its prefix wildcard is acknowledged with its reason)', async () => {
    const outdir = await mkdtemp(join(tmpdir(), 'sv-nag-'));
    outdirs.push(outdir);
    const probe: FunctionSpec = {
      name: 'oauth-probe', feature: 'probe', entry: 'functions/account/http.ts', description: 'names the OAuth secrets',
      trigger: { kind: 'http', routes: [{ method: 'POST', path: '/oauth-probe', auth: 'user', summary: 'probe', tags: [] }] },
      timeoutSeconds: 10, memoryMb: 256, secrets: ['oauth'],
    };
    const { app } = await buildStage('dev', { nag: true, outdir, functions: [...functions, probe] });

    expect(await nagFindings(app, outdir)).toEqual([]);
  });

  it('fails on a new finding nobody acknowledged (the check is not vacuous)', async () => {
    const { findings } = await nagStage('dev', (app) => {
      new Queue(new Stack(app, 'StreamVibe-dev-Extra'), 'Unprotected');
    });

    expect(findings).toEqual(expect.arrayContaining([
      'AwsSolutions-SQS3 at StreamVibe-dev-Extra/Unprotected/Resource',
      'AwsSolutions-SQS4 at StreamVibe-dev-Extra/Unprotected/Resource',
    ]));
  });
});
