import type { CfnResource } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { functions } from '../../functions/manifest.ts';
import { FUNCTION_TAG } from '../../infra/constructs/app-function.ts';
import { synthStage } from './synth.ts';

type Resource = { Type: string; Properties?: Record<string, any> };
const STRIPE_SECRETS = ['STRIPE_API_KEY', 'STRIPE_WEBHOOK_SECRETS'] as const;
const BILLING = ['billing-http', 'billing-scheduled'];

/** Each manifest Lambda's environment and the statements of its role's policies. */
function lambdas(templates: Record<string, Template>) {
  const found: Record<string, { env: Record<string, unknown>; statements: { Action: string | string[]; Resource: unknown }[] }> = {};
  for (const template of Object.values(templates)) {
    const resources = template.toJSON().Resources as Record<string, Resource>;
    for (const fn of Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function')) {
      const name = ((fn.Properties!.Tags ?? []) as { Key: string; Value: string }[]).find((t) => t.Key === FUNCTION_TAG)?.Value;
      if (!name) continue;
      const roleId = fn.Properties!.Role['Fn::GetAtt'][0];
      found[name] = {
        env: fn.Properties!.Environment?.Variables ?? {},
        statements: Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties!.Roles.some((x: { Ref: string }) => x.Ref === roleId))
          .flatMap((r) => r.Properties!.PolicyDocument.Statement),
      };
    }
  }
  return found;
}

describe('the Stripe secrets (CDK)', () => {
  it('are Secrets Manager secrets only the billing Lambdas read, by ARN at cold start, never a value in any environment', async () => {
    const { templates, stacks } = await synthStage('prod');
    const secrets = stacks.secrets.environmentSecrets;
    const arnOf = (name: string) => ({ 'Fn::GetStackOutput': expect.objectContaining({
      StackName: 'StreamVibe-prod-Secrets', OutputName: expect.stringContaining(`PublishOutputRef${stacks.secrets.resolve((secrets[name]!.node.defaultChild as CfnResource).logicalId)}`),
    }) });
    for (const name of STRIPE_SECRETS) {
      templates['StreamVibe-prod-Secrets']!.hasResourceProperties('AWS::SecretsManager::Secret', { Name: `streamvibe/prod/env/${name}` });
    }
    const all = lambdas(templates);
    expect(Object.keys(all).sort()).toEqual(functions.map((f) => f.name).sort());
    for (const [name, { env, statements }] of Object.entries(all)) {
      const reads = statements.filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue')).flatMap((s) => [s.Resource].flat());
      const stripeReads = STRIPE_SECRETS.filter((secret) => reads.some((r) => expect.objectContaining(arnOf(secret)).asymmetricMatch(r)));
      const stripeVariables = STRIPE_SECRETS.filter((secret) => `${secret}_SECRET_ARN` in env);
      if (BILLING.includes(name)) {
        expect(stripeReads, name).toEqual([...STRIPE_SECRETS]);
        for (const secret of STRIPE_SECRETS) expect(env[`${secret}_SECRET_ARN`], name).toEqual(arnOf(secret));
      } else {
        expect({ stripeReads, stripeVariables }, name).toEqual({ stripeReads: [], stripeVariables: [] });
      }
      expect(Object.keys(env).filter((k) => STRIPE_SECRETS.includes(k as never)), name).toEqual([]);
    }
  });

  it('give the billing Lambdas the stage’s prices and return URL as plain settings', async () => {
    const { templates } = await synthStage('staging');
    const { env } = lambdas(templates)['billing-http']!;
    expect(JSON.parse(env.STRIPE_PRICES as string)).toEqual({
      basic: { month: 'price_staging_basic_monthly', year: 'price_staging_basic_yearly' },
      premium: { month: 'price_staging_premium_monthly', year: 'price_staging_premium_yearly' },
    });
    expect(env.BILLING_RETURN_URL).toBe('https://staging.streamvibe.app/settings/billing');
  });
});
