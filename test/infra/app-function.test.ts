import type { CfnResource } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { stageConfig } from '../../infra/config.ts';
import { describe, expect, it } from 'vitest';
import { functions, queues, type FunctionSpec } from '../../functions/manifest.ts';
import { FUNCTION_TAG } from '../../infra/constructs/app-function.ts';
import { synthStage } from './synth.ts';

type Resource = { Type: string; Properties?: Record<string, any> };

const probe: FunctionSpec = {
  name: 'oauth-probe', feature: 'probe', entry: 'functions/account/http.ts', description: 'A test Lambda that names the OAuth secrets',
  trigger: { kind: 'http', routes: [{ method: 'POST', path: '/oauth-probe', auth: 'user', summary: 'probe', tags: [] }] },
  timeoutSeconds: 10, memoryMb: 256, sendsTo: ['tokens'], secrets: ['oauth'],
};

/** The Lambda built for a manifest Lambda, and the statements of its role's policies. */
function lambda(templates: Record<string, Template>, name: string) {
  for (const template of Object.values(templates)) {
    const resources = template.toJSON().Resources as Record<string, Resource>;
    const found = Object.values(resources).find((r) => r.Type === 'AWS::Lambda::Function'
      && ((r.Properties!.Tags ?? []) as { Key: string; Value: string }[]).some((t) => t.Key === FUNCTION_TAG && t.Value === name));
    if (!found) continue;
    const roleId = found.Properties!.Role['Fn::GetAtt'][0];
    const statements = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties!.Roles.some((x: { Ref: string }) => x.Ref === roleId))
      .flatMap((r) => r.Properties!.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown; Condition?: unknown }[]);
    return { env: found.Properties!.Environment.Variables as Record<string, unknown>, statements };
  }
  throw new Error(`no Lambda for ${name}`);
}

describe('AppFunction: least privilege and environment from the feature', () => {
  it('grants the OAuth token secrets (prefix streamvibe/<stage>/oauth/*, key via Secrets Manager only) to a Lambda whose feature names them, and to no other', async () => {
    const { templates } = await synthStage('staging', { functions: [...functions, probe] });

    const { env, statements } = lambda(templates, 'oauth-probe');
    const secretStatement = statements.find((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'))!;
    expect(JSON.stringify(secretStatement.Resource)).toMatch(/:secret:streamvibe\/staging\/oauth\/\*"/);
    expect([secretStatement.Action].flat()).not.toContain('secretsmanager:*');
    const kms = statements.find((s) => [s.Action].flat().includes('kms:Decrypt'))!;
    expect(kms.Condition).toEqual({ StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } });
    expect(env).toMatchObject({ OAUTH_SECRET_PREFIX: 'streamvibe/staging/oauth/', OAUTH_SECRET_KMS_KEY_ARN: expect.anything() });
    const secretSettings = Object.entries(stageConfig('staging').functionEnvironment).filter(([, source]) => 'secret' in source).map(([name]) => name);
    // The oauth and sync features name a family (infra/app.test.ts checks what each holds); every other Lambda is an "other".
    for (const other of functions.filter((f) => !f.secrets?.length)) {
      const statements = lambda(templates, other.name).statements.filter((s) => [s.Action].flat().some((a) => /^(secretsmanager|kms):/.test(a)));
      // Only GetSecretValue on the secret settings its feature reads (see the next test), nothing on the OAuth prefix.
      const settings = (other.env ?? []).filter((n) => secretSettings.includes(n));
      // (CDK merges the statements of one action into one with several resources.)
      expect([...new Set(statements.flatMap((s) => [s.Action].flat()))], other.name).toEqual(settings.length ? ['secretsmanager:GetSecretValue'] : []);
      expect(statements.flatMap((s) => [s.Resource].flat()), other.name).toHaveLength(settings.length);
      expect(JSON.stringify(statements), other.name).not.toMatch(/oauth/);
    }
  });

  it('gives a non-worker the URL of and send rights to the queues it names only, not their DLQs', async () => {
    const { templates } = await synthStage('dev', { functions: [...functions, probe] });

    const { env, statements } = lambda(templates, 'oauth-probe');
    expect(JSON.stringify(env.JOB_QUEUE_URLS)).toMatch(/^\{"Fn::Join":\["",\["\{\\"tokens\\":\\""/);
    expect(env.JOB_DLQ_URLS).toBeUndefined();
    const targets = statements.filter((s) => [s.Action].flat().includes('sqs:SendMessage')).map((s) => JSON.stringify(s.Resource));
    expect(targets).toHaveLength(1);
    expect(targets[0]).toMatch(/tokensqueue/);
  });

  it('gives a worker its own queue\'s dead-letter queue (URL and send right) and no other DLQ', async () => {
    const { templates } = await synthStage('dev');

    const { env, statements } = lambda(templates, 'jobs-worker-maintenance');
    expect(JSON.stringify(env.JOB_DLQ_URLS)).toMatch(/^\{"Fn::Join":\["",\["\{\\"maintenance\\":\\""/);
    expect(JSON.stringify(env.JOB_DLQ_URLS).match(/dlq/g)).toHaveLength(1);
    const dlqTargets = statements.filter((s) => [s.Action].flat().includes('sqs:SendMessage')).map((s) => JSON.stringify(s.Resource))
      .filter((r) => /dlq/.test(r));
    expect(dlqTargets).toHaveLength(1);
    expect(dlqTargets[0]).toMatch(/maintenancedlq/);
  });

  it('gives a secret setting to its readers as <NAME>_SECRET_ARN with GetSecretValue on that one secret, never its value; plain settings as values', async () => {
    const { templates, stacks } = await synthStage('prod');
    const secrets = stacks.secrets.environmentSecrets;
    // The Secrets stack's output of the secret's Ref (its ARN).
    const arnOf = (name: string) => ({ 'Fn::GetStackOutput': expect.objectContaining({
      StackName: 'StreamVibe-prod-Secrets', OutputName: expect.stringContaining(`PublishOutputRef${stacks.secrets.resolve((secrets[name]!.node.defaultChild as CfnResource).logicalId)}`),
    }) });

    // The billing Lambdas read two (test/infra/billing-secrets.test.ts).
    // discovery reads two: the click hash key and the edge's secret (infra/stacks/edge-stack.ts).
    for (const [fn, settings] of [['discovery-http', ['CLICK_HASH_SECRET', 'EDGE_ORIGIN_SECRET']]] as const) {
      const { env, statements } = lambda(templates, fn);
      for (const setting of settings) {
        expect(env[setting], fn).toBeUndefined();
        expect(env[`${setting}_SECRET_ARN`], fn).toEqual(arnOf(setting));
      }
      const reads = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('secretsmanager:')));
      expect(reads, fn).toEqual([expect.objectContaining({ Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: settings.map(arnOf) })]);
    }
    const lambdaConfigs = Object.values(templates).flatMap((t) => Object.values(t.findResources('AWS::Lambda::Function')));
    expect(JSON.stringify(lambdaConfigs)).not.toMatch(/\{\{resolve:secretsmanager/);
    expect(lambda(templates, 'discovery-http').env.PUBLIC_SITE_URL).toBe('https://streamvibe.app');
    expect(Object.keys(secrets).sort()).toEqual(['ANTHROPIC_API_KEY', 'CLICK_HASH_SECRET', 'EDGE_ORIGIN_SECRET', 'GEMINI_API_KEY', 'OAUTH_CLIENTS', 'OPENAI_API_KEY',
      'STRIPE_API_KEY', 'STRIPE_WEBHOOK_SECRETS']);
    templates['StreamVibe-prod-Secrets']!.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'streamvibe/prod/env/STRIPE_WEBHOOK_SECRETS' });
  });

  it('refuses to synthesize a Lambda that reads a variable the stage config has no value for, naming both', async () => {
    const reader: FunctionSpec = { ...probe, name: 'reads-unknown', env: ['NO_SUCH_SETTING'], secrets: [], sendsTo: [] };

    await expect(synthStage('dev', { functions: [...functions, reader] }))
      .rejects.toThrow(/reads-unknown reads NO_SUCH_SETTING, which infra\/config.ts \(functionEnvironment\) gives no value for stage dev/);
  });

  it('refuses a worker whose queue\'s visibility timeout is under 6× its timeout (SQS would redeliver running jobs)', async () => {
    const slowWorker: FunctionSpec = {
      name: 'slow-worker', feature: 'probe', entry: 'functions/jobs/worker-maintenance.ts', description: 'too slow for its queue',
      trigger: { kind: 'queue', queue: 'seo', batchSize: 1, maxBatchingWindowSeconds: 0, maxConcurrency: 2 },
      timeoutSeconds: queues.seo.visibilityTimeoutSeconds / 6 + 1, memoryMb: 256, sendsTo: ['seo'],
    };

    await expect(synthStage('dev', { functions: [...functions, slowWorker] })).rejects.toThrow(/slow-worker: queue seo's visibility timeout/);
  });
});
