import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { functions, httpRoutes, type FunctionSpec, type QueueTrigger } from '../../functions/manifest.ts';
import { STAGES, stageConfig } from '../../infra/config.ts';
import { FUNCTION_TAG } from '../../infra/constructs/app-function.ts';
import { PROXY_BORROW_TIMEOUT_SECONDS } from '../../infra/stacks/data-stack.ts';
import { synthStage } from './synth.ts';

type Resource = { Type: string; Properties?: Record<string, any> };
const resourcesOf = (templates: Record<string, Template>) =>
  Object.values(templates).flatMap((t) => Object.entries(t.toJSON().Resources as Record<string, Resource>));
const lambdaOf = (templates: Record<string, Template>, name: string) => resourcesOf(templates).find(([, r]) => r.Type === 'AWS::Lambda::Function'
  && ((r.Properties!.Tags ?? []) as { Key: string; Value: string }[]).some((t) => t.Key === FUNCTION_TAG && t.Value === name))!;

describe('limits: anonymous traffic cannot starve signed-in users, the webhook or the database', () => {
  it.each(STAGES)('stage %s: each public route and the webhook have their own throttle, below the default signed-in routes keep', async (stage) => {
    const { templates } = await synthStage(stage);
    const config = stageConfig(stage);

    const [, apiStage] = resourcesOf(templates).find(([, r]) => r.Type === 'AWS::ApiGatewayV2::Stage')!;
    const settings = apiStage.Properties!.RouteSettings as Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }>;
    expect(apiStage.Properties!.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: config.api.throttleRateLimit, ThrottlingBurstLimit: config.api.throttleBurstLimit });
    for (const { route } of httpRoutes()) {
      const key = `${route.method} ${route.path}`;
      const expected = route.auth === 'public' ? config.api.publicRouteThrottle : route.auth === 'webhook' ? config.api.webhookRouteThrottle : undefined;
      expect(settings[key], key).toEqual(expected && { ThrottlingRateLimit: expected.rateLimit, ThrottlingBurstLimit: expected.burstLimit });
    }
    expect(config.api.publicRouteThrottle.rateLimit).toBeLessThan(config.api.throttleRateLimit);
    expect(Object.keys(settings).length).toBe(httpRoutes().filter(({ route }) => route.auth === 'public' || route.auth === 'webhook').length);
  });

  it('refuses a WAF rate-based rule in the stage config: WAFv2 cannot attach to an HTTP API (it needs a CloudFront front)', async () => {
    await expect(synthStage('prod', { configure: (c) => { c.api.wafRateLimitPer5Minutes = 2_000; } }))
      .rejects.toThrow(/WAFv2 cannot be associated with an HTTP API/);
  });

  it('reserves concurrency for the Stripe webhook\'s Lambda and caps each worker\'s SQS event source at its manifest maxConcurrency', async () => {
    const { templates } = await synthStage('prod');

    const reserved = functions.filter((f) => f.reservedConcurrency !== undefined);
    expect(reserved.map((f) => f.name)).toEqual(['billing-http']);
    for (const spec of functions) {
      expect(lambdaOf(templates, spec.name)[1].Properties!.ReservedConcurrentExecutions, spec.name).toBe(spec.reservedConcurrency);
    }
    const workers = functions.filter((f) => f.trigger.kind === 'queue');
    expect(workers.length).toBeGreaterThan(0);
    for (const spec of workers) {
      const [id] = lambdaOf(templates, spec.name);
      const [, mapping] = resourcesOf(templates).find(([, r]) => r.Type === 'AWS::Lambda::EventSourceMapping' && r.Properties!.FunctionName.Ref === id)!;
      expect(mapping.Properties!.ScalingConfig, spec.name).toEqual({ MaximumConcurrency: (spec.trigger as QueueTrigger).maxConcurrency });
    }
  });

  it('gives RDS Proxy a borrow timeout below every function\'s timeout, and each function a statement_timeout of half its timeout', async () => {
    const { templates } = await synthStage('dev');

    const [, proxyTargets] = resourcesOf(templates).find(([, r]) => r.Type === 'AWS::RDS::DBProxyTargetGroup')!;
    expect(proxyTargets.Properties!.ConnectionPoolConfigurationInfo.ConnectionBorrowTimeout).toBe(PROXY_BORROW_TIMEOUT_SECONDS);
    for (const spec of functions) {
      expect(spec.timeoutSeconds, spec.name).toBeGreaterThan(PROXY_BORROW_TIMEOUT_SECONDS);
      expect(lambdaOf(templates, spec.name)[1].Properties!.Environment.Variables.DB_STATEMENT_TIMEOUT_MS, spec.name).toBe(String(spec.timeoutSeconds * 500));
    }
  });

  it('refuses a function whose timeout does not exceed the proxy\'s borrow timeout', async () => {
    const quick: FunctionSpec = { ...functions.find((f) => f.name === 'account-http')!, name: 'quick-http', timeoutSeconds: PROXY_BORROW_TIMEOUT_SECONDS };

    await expect(synthStage('dev', { functions: [...functions, quick] })).rejects.toThrow(/quick-http: its timeout \(3 s\) must exceed RDS Proxy's borrow timeout/);
  });
});
