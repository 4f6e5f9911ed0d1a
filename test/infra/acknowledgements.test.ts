import { Validations, type App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { httpRoutes } from '../../functions/manifest.ts';
import { STAGES, type Stage } from '../../infra/config.ts';
import { buildStage } from './synth.ts';

/** Every cdk-nag acknowledgement recorded in a stage's app: construct path, rule id (prefixed by the plugin), reason. */
async function acknowledgements(stage: Stage) {
  const { app } = await buildStage(stage, { nag: true });
  return (app as App).node.findAll().flatMap((construct) => construct.node.metadata
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ path: construct.node.path, id, reason }))));
}

describe('cdk-nag acknowledgements say what the code does', () => {
  it.each(STAGES)('stage %s: MFA — acknowledged only where optional, and prod requires it (admins included)', async (stage) => {
    const cog2 = (await acknowledgements(stage)).filter((a) => a.id.endsWith('AwsSolutions-COG2'));

    if (stage === 'prod') expect(cog2).toEqual([]);
    else expect(cog2.map((a) => a.reason)).toEqual([expect.stringMatching(/optional on \w+, which has no real users; prod requires it for every user, admins included/)]);
  });

  it('data retention: dev\'s cluster is disposable; staging\'s keeps a final snapshot and its backups', async () => {
    const [dev, staging, prod] = await Promise.all(STAGES.map(async (s) => (await acknowledgements(s)).filter((a) => a.id.endsWith('AwsSolutions-RDS10'))));

    expect(dev!.map((a) => a.reason)).toEqual([expect.stringMatching(/disposable \(removal: destroy\)/)]);
    expect(staging!.map((a) => a.reason)).toEqual([expect.stringMatching(/keeps its data .*removal: snapshot, a final snapshot; 7 days of automated backups/)]);
    expect(staging![0]!.reason).not.toMatch(/disposable/);
    expect(prod).toEqual([]);
  });

  it('public routes: one acknowledgement per route, naming its feature and throttle, never claiming every query runs as anon (track-click runs as service_role)', async () => {
    const apig4 = (await acknowledgements('dev')).filter((a) => a.id.endsWith('AwsSolutions-APIG4'));
    const open = httpRoutes().filter(({ route }) => route.auth === 'public' || route.auth === 'webhook');

    expect(apig4).toHaveLength(open.length);
    for (const { fn, route } of open) {
      const ack = apig4.find((a) => a.reason.startsWith(`${route.method} ${route.path} `));
      expect(ack?.reason, route.path).toMatch(route.auth === 'webhook' ? /verifies the sender's signature/ : new RegExp(`the ${fn.feature} feature's anonymous readers`));
      expect(ack!.reason, route.path).toMatch(/throttles it per route \(\d+ rps, burst \d+\)/);
      expect(ack!.reason, route.path).not.toMatch(/as anon/);
    }
  });

  it('names no Lambda that does not exist (one Lambda per feature: no per-route function such as track-click) and acknowledges no runtime finding', async () => {
    const acks = await acknowledgements('prod');

    expect(acks.filter((a) => /track-click|trackClick/i.test(a.reason) && !a.reason.startsWith('POST /track-click '))).toEqual([]);
    // AwsSolutions-L1 (latest runtime) is met, not acknowledged: every function is nodejs24.x, the Node the tests run on.
    expect(acks.filter((a) => a.id.includes('AwsSolutions-L1'))).toEqual([]);
    expect(process.versions.node).toMatch(/^24\./);
  });
});
