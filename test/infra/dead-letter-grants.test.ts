import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { functions, queues } from '../../functions/manifest.ts';
import { FUNCTION_TAG } from '../../infra/constructs/app-function.ts';
import { synthStage } from './synth.ts';

type Resource = { Type: string; Properties?: Record<string, any> };
type Statement = { Action: string | string[]; Resource: unknown };

/** A manifest Lambda's environment and its role's policy statements. */
function lambda(templates: Record<string, Template>, name: string) {
  for (const template of Object.values(templates)) {
    const resources = template.toJSON().Resources as Record<string, Resource>;
    const found = Object.values(resources).find((r) => r.Type === 'AWS::Lambda::Function'
      && ((r.Properties!.Tags ?? []) as { Key: string; Value: string }[]).some((t) => t.Key === FUNCTION_TAG && t.Value === name));
    if (!found) continue;
    const roleId = found.Properties!.Role['Fn::GetAtt'][0];
    const statements = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties!.Roles.some((x: { Ref: string }) => x.Ref === roleId))
      .flatMap((r) => r.Properties!.PolicyDocument.Statement as Statement[]);
    return { env: found.Properties!.Environment.Variables as Record<string, unknown>, statements };
  }
  throw new Error(`no Lambda for ${name}`);
}
const targetsOf = (statements: Statement[], action: string) =>
  statements.filter((s) => [s.Action].flat().includes(action)).flatMap((s) => [s.Resource].flat()).map((r) => JSON.stringify(r));

describe('dead-letter grants follow the manifest (uses.redrives)', () => {
  it('lets the admin Lambda receive and delete on every DLQ and send to every main queue, with both URL maps; no other Lambda consumes a DLQ', async () => {
    const { templates } = await synthStage('dev');
    const names = Object.keys(queues);
    const admin = lambda(templates, 'admin-http');
    for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility']) {
      const targets = targetsOf(admin.statements, action);
      expect(targets, action).toHaveLength(names.length);
      for (const name of names) expect(targets.some((t) => t.includes(`${name}dlq`)), `${action} ${name}`).toBe(true);
      expect(targets.every((t) => /dlq/.test(t)), action).toBe(true);
    }
    const sends = targetsOf(admin.statements, 'sqs:SendMessage');
    expect(sends).toHaveLength(names.length);
    for (const name of names) expect(sends.some((t) => t.includes(`${name}queue`)), name).toBe(true);
    for (const variable of ['JOB_QUEUE_URLS', 'JOB_DLQ_URLS']) {
      for (const name of names) expect(JSON.stringify(admin.env[variable]), `${variable} ${name}`).toContain(`\\"${name}\\"`);
    }

    for (const other of functions.filter((f) => f.name !== 'admin-http')) {
      const consumed = targetsOf(lambda(templates, other.name).statements, 'sqs:ReceiveMessage').filter((t) => /dlq/.test(t));
      expect(consumed, other.name).toEqual([]);
    }
  }, 60_000);
});
