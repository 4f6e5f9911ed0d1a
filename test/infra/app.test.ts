import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { stageConfig } from '../../infra/config.ts';
import { JWT_AUTH_MODES } from '../../infra/stacks/api-stack.ts';
import { FUNCTION_TAG } from '../../infra/constructs/app-function.ts';
import { scheduleInput } from '../../functions/_shared/task.ts';
import {
  features, functions, httpRoutes, queues, type CognitoEvent, type CognitoTrigger, type QueueTrigger, type ScheduleTrigger,
} from '../../functions/manifest.ts';
import { synthStage } from './synth.ts';

type Resource = { Type: string; Properties?: Record<string, any>; Metadata?: Record<string, unknown> };
type Resources = Record<string, Resource>;

/**
 * Lambdas that are not manifest entries, each for a reason: CDK's own custom-resource providers, and the
 * migration runner behind the SchemaMigrations custom resource.
 */
const NON_MANIFEST_FUNCTIONS: Record<string, string> = {
  'Network/Custom::VpcRestrictDefaultSGCustomResourceProvider/Handler': 'CDK: strips the VPC default security group\'s rules (@aws-cdk/aws-ec2:restrictDefaultSecurityGroup)',
  'Data/SchemaMigrations/Provider/framework-onEvent/Resource': 'CDK: custom-resources Provider framework for SchemaMigrations',
  'Data/SchemaMigrations/Runner/Resource': 'ours: the deploy-time migration runner (Data API)',
};

const STAGE = 'dev';
/** Settings the stage config keeps in Secrets Manager: functions get `<NAME>_SECRET_ARN`, not the value. */
const SECRET_SETTINGS = Object.entries(stageConfig(STAGE).functionEnvironment).filter(([, s]) => 'secret' in s).map(([n]) => n);
let templates: Record<string, Template>;
let all: { stack: string; id: string; resource: Resource }[];
const resources = (stack: string): Resources => templates[`StreamVibe-${STAGE}-${stack}`]!.toJSON().Resources as Resources;
const ofType = (type: string) => all.filter((r) => r.resource.Type === type);
const path = (r: Resource) => String(r.Metadata?.['aws:cdk:path']).replace(/^StreamVibe-\w+-/, '');
const tagOf = (r: Resource) => (r.Properties?.Tags as { Key: string; Value: string }[] | undefined)?.find((t) => t.Key === FUNCTION_TAG)?.Value;
/** Logical id of the Lambda built for a manifest entry. */
const functionId = (name: string) => ofType('AWS::Lambda::Function').find((r) => tagOf(r.resource) === name)!;

beforeAll(async () => {
  ({ templates } = await synthStage(STAGE));
  all = Object.entries(templates).flatMap(([stack, t]) =>
    Object.entries(t.toJSON().Resources as Resources).map(([id, resource]) => ({ stack, id, resource })));
});

describe('CDK app (infra/app.ts) from functions/manifest.ts, stage dev', () => {
  it('has exactly the manifest\'s Lambdas (one HTTP Lambda per feature with routes, one per owned queue, one per feature with schedules or triggers), and otherwise only the functions known by name and reason', () => {
    const lambdas = ofType('AWS::Lambda::Function');
    const tagged = lambdas.map((r) => tagOf(r.resource)).filter((name): name is string => name !== undefined);
    expect(tagged.sort()).toEqual(functions.map((f) => f.name).sort());
    const untagged = lambdas.filter((r) => tagOf(r.resource) === undefined).map((r) => path(r.resource));
    expect(untagged.sort()).toEqual(Object.keys(NON_MANIFEST_FUNCTIONS).sort());
    const expected = features.flatMap((f) => [
      ...(f.cognito ? [`${f.name}-triggers`] : []), ...(f.http ? [`${f.name}-http`] : []),
      ...(f.workers ?? []).map((w) => `${f.name}-worker-${w.queue}`), ...(f.schedules ? [`${f.name}-scheduled`] : []),
    ]);
    expect(tagged.sort()).toEqual(expected.sort());
  });

  it('builds every function with the shared defaults: nodejs24.x, arm64, tracing, its handler, timeout and memory, in private subnets', () => {
    for (const spec of functions) {
      const { resource } = functionId(spec.name);
      expect(resource.Properties, spec.name).toMatchObject({
        Runtime: 'nodejs24.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' },
        Handler: 'index.handler', Timeout: spec.timeoutSeconds, MemorySize: spec.memoryMb,
        VpcConfig: { SubnetIds: expect.any(Array), SecurityGroupIds: expect.any(Array) },
        LoggingConfig: { LogGroup: expect.anything() },
      });
      const env = resource.Properties!.Environment.Variables as Record<string, unknown>;
      expect(env, spec.name).toMatchObject({ POWERTOOLS_SERVICE_NAME: 'streamvibe', LOG_LEVEL: 'DEBUG', DB_NAME: 'streamvibe', DB_USER: 'streamvibe_app', DB_PREPARE: 'false' });
      // JOB_QUEUE_URLS names exactly the queues the feature sends to (redriving sends too); a worker gets its own
      // dead-letter queue, and a feature that redrives the DLQs it names (uses.redrives).
      const queueKeys = (name: string) => (env[name] ? [...JSON.stringify(env[name]).matchAll(/\\"(\w+)\\":\\"/g)].map((m) => m[1]).sort() : []);
      expect(queueKeys('JOB_QUEUE_URLS'), spec.name).toEqual([...new Set([...(spec.sendsTo ?? []), ...(spec.redrives ?? [])])].sort());
      expect(queueKeys('JOB_DLQ_URLS'), spec.name).toEqual([...new Set([...(spec.trigger.kind === 'queue' ? [spec.trigger.queue] : []), ...(spec.redrives ?? [])])].sort());
      expect(Object.keys(env).filter((k) => !/^(POWERTOOLS_SERVICE_NAME|LOG_LEVEL|STREAMVIBE_STAGE|NODE_OPTIONS|DB_\w+|JOB_(QUEUE|DLQ)_URLS)$/.test(k)).sort(), spec.name)
        .toEqual([...(spec.env ?? []).map((n) => (SECRET_SETTINGS.includes(n) ? `${n}_SECRET_ARN` : n)),
          ...new Set((spec.secrets ?? []).flatMap((family) => (family === 'seo' ? ['SEO_SECRET_KMS_KEY_ARN', 'SEO_SECRET_PREFIX'] : ['OAUTH_SECRET_KMS_KEY_ARN', 'OAUTH_SECRET_PREFIX'])))].sort());
    }
  });

  it('routes every route of a feature to the feature\'s one Lambda (one integration per feature), with the Cognito JWT authorizer on user and admin routes and none on public and webhook routes', () => {
    const api = resources('Api');
    const [authorizerId, authorizer] = Object.entries(api).find(([, r]) => r.Type === 'AWS::ApiGatewayV2::Authorizer')!;
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'JWT', IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Audience: [expect.anything()], Issuer: expect.objectContaining({ 'Fn::Join': expect.any(Array) }) },
    });
    expect(JSON.stringify(authorizer.Properties!.JwtConfiguration.Issuer)).toContain('https://cognito-idp.');
    const routes = Object.values(api).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route');
    const integrations = Object.fromEntries(Object.entries(api).filter(([, r]) => r.Type === 'AWS::ApiGatewayV2::Integration'));
    expect(routes).toHaveLength(httpRoutes().length);
    expect(Object.keys(integrations)).toHaveLength(functions.filter((f) => f.trigger.kind === 'http').length);
    for (const { fn, route } of httpRoutes()) {
      const key = `${route.method} ${route.path}`;
      const found = routes.find((r) => r.Properties!.RouteKey === key);
      expect(found, key).toBeDefined();
      if (JWT_AUTH_MODES.includes(route.auth)) {
        expect(found!.Properties, key).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } });
      } else {
        expect(found!.Properties!.AuthorizationType, key).toBe('NONE');
        expect(found!.Properties!.AuthorizerId, key).toBeUndefined();
      }
      const integrationId = (found!.Properties!.Target['Fn::Join'][1][1] as { Ref: string }).Ref;
      expect(integrations[integrationId]!.Properties, key).toMatchObject({
        IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0',
        IntegrationUri: { 'Fn::GetAtt': [functionId(fn.name).id, 'Arn'] },
      });
    }
  });

  it('throttles the stage, writes JSON access logs and answers CORS preflights for the stage\'s origins only', () => {
    const api = templates[`StreamVibe-${STAGE}-Api`]!;
    api.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default', AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"') },
    });
    api.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.objectLike({ AllowOrigins: ['http://localhost:5173', 'https://dev.streamvibe.app'] }),
    });
  });

  it('gives every manifest queue a dead-letter queue with the manifest\'s maxReceiveCount and visibility timeout', () => {
    const jobs = resources('Jobs');
    const sqs = Object.entries(jobs).filter(([, r]) => r.Type === 'AWS::SQS::Queue');
    const withRedrive = sqs.filter(([, r]) => r.Properties?.RedrivePolicy);
    expect(withRedrive).toHaveLength(Object.keys(queues).length);
    // Plus the schedules' dead-letter queue (EventBridge Scheduler's, see operations.test.ts).
    expect(sqs).toHaveLength(2 * Object.keys(queues).length + 1);
    for (const [name, spec] of Object.entries(queues)) {
      const [, queue] = withRedrive.find(([id]) => id.startsWith(`${name}queue`))!;
      const dlqId = queue.Properties!.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0] as string;
      expect(dlqId, name).toMatch(new RegExp(`^${name}dlq`));
      expect(queue.Properties, name).toMatchObject({
        VisibilityTimeout: spec.visibilityTimeoutSeconds, MessageRetentionPeriod: spec.retentionSeconds,
        RedrivePolicy: { maxReceiveCount: spec.maxReceiveCount }, SqsManagedSseEnabled: true,
      });
      expect(jobs[dlqId]!.Properties?.RedrivePolicy, `${name} DLQ`).toBeUndefined();
    }
  });

  it('feeds every worker from its queue with the manifest\'s batch size and window, reporting batch item failures', () => {
    const mappings = ofType('AWS::Lambda::EventSourceMapping');
    const workers = functions.filter((f) => f.trigger.kind === 'queue');
    expect(mappings).toHaveLength(workers.length);
    for (const spec of workers) {
      const trigger = spec.trigger as QueueTrigger;
      const mapping = mappings.find((m) => m.resource.Properties!.FunctionName.Ref === functionId(spec.name).id);
      expect(mapping?.resource.Properties, spec.name).toMatchObject({
        BatchSize: trigger.batchSize, MaximumBatchingWindowInSeconds: trigger.maxBatchingWindowSeconds,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        EventSourceArn: { 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^${trigger.queue}queue`)), 'Arn'] },
      });
    }
  });

  it('schedules every task with EventBridge Scheduler at its rate, targeting its feature\'s scheduled Lambda with the task\'s input', () => {
    const schedules = ofType('AWS::Scheduler::Schedule');
    const scheduled = functions.filter((f) => f.trigger.kind === 'schedule');
    expect(schedules).toHaveLength(scheduled.flatMap((f) => (f.trigger as ScheduleTrigger).tasks).length);
    const minutes = (expression: string) => {
      const [, n, unit] = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expression)!;
      return Number(n) * { minute: 1, hour: 60, day: 1440 }[unit as 'minute']!;
    };
    for (const spec of scheduled) {
      for (const task of (spec.trigger as ScheduleTrigger).tasks) {
        const schedule = schedules.find((s) => s.resource.Properties!.Target.Arn['Fn::GetAtt'][0] === functionId(spec.name).id
          && JSON.parse(s.resource.Properties!.Target.Input).task === task.name);
        expect(schedule, task.name).toBeDefined();
        expect(minutes(schedule!.resource.Properties!.ScheduleExpression), task.name).toBe(task.everyMinutes);
        expect(JSON.parse(schedule!.resource.Properties!.Target.Input), task.name).toEqual(scheduleInput(task));
        expect(schedule!.resource.Properties).toMatchObject({ State: 'ENABLED', FlexibleTimeWindow: { Mode: 'OFF' } });
      }
    }
  });

  it('wires the auth feature\'s one Lambda as the user pool\'s post-confirmation and pre-token-generation (V2) triggers, with user/admin/moderator groups', () => {
    const auth = templates[`StreamVibe-${STAGE}-Auth`]!;
    const triggers = functions.filter((f) => f.trigger.kind === 'cognito');
    expect(triggers.map((f) => f.name)).toEqual(['auth-triggers']);
    const arnOf = (event: CognitoEvent) => ({ 'Fn::GetAtt': [functionId(triggers.find((f) => (f.trigger as CognitoTrigger).events.includes(event))!.name).id, 'Arn'] });
    auth.hasResourceProperties('AWS::Cognito::UserPool', {
      LambdaConfig: {
        PostConfirmation: arnOf('PostConfirmation'),
        // V2: the groups reach the access token too; Cognito accepts V2 on the Essentials and Plus plans only.
        PreTokenGenerationConfig: { LambdaArn: arnOf('PreTokenGeneration'), LambdaVersion: 'V2_0' },
      },
      UserPoolTier: Match.stringLikeRegexp('^(ESSENTIALS|PLUS)$'),
      UsernameAttributes: ['email'],
    });
    for (const event of ['PostConfirmation', 'PreTokenGeneration'] as const) {
      auth.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction', Principal: 'cognito-idp.amazonaws.com', FunctionName: arnOf(event),
      });
    }
    const groups = Object.values(resources('Auth')).filter((r) => r.Type === 'AWS::Cognito::UserPoolGroup').map((r) => r.Properties!.GroupName);
    expect(groups.sort()).toEqual(['admin', 'moderator', 'user']);
    auth.hasResourceProperties('AWS::Cognito::UserPoolClient', { GenerateSecret: false, ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_SRP_AUTH']) });
  });

  it('keeps Aurora PostgreSQL 17 private, encrypted, IAM-authenticated, Data API on, in isolated subnets, behind an IAM-only RDS Proxy', () => {
    const data = resources('Data');
    const [, cluster] = Object.entries(data).find(([, r]) => r.Type === 'AWS::RDS::DBCluster')!;
    expect(cluster.Properties).toMatchObject({
      Engine: 'aurora-postgresql', EngineVersion: expect.stringMatching(/^17\./), StorageEncrypted: true,
      EnableIAMDatabaseAuthentication: true, EnableHttpEndpoint: true,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 2 }, BackupRetentionPeriod: 1,
    });
    for (const instance of Object.values(data).filter((r) => r.Type === 'AWS::RDS::DBInstance')) {
      expect(instance.Properties).toMatchObject({ PubliclyAccessible: false, DBInstanceClass: 'db.serverless' });
    }
    const subnetGroup = Object.values(data).find((r) => r.Type === 'AWS::RDS::DBSubnetGroup')!;
    const isolatedOutputs = JSON.stringify(subnetGroup.Properties!.SubnetIds);
    expect(isolatedOutputs).toMatch(/Vpcdata/);
    expect(isolatedOutputs).not.toMatch(/Vpcfunctions|Vpcpublic/);
    const network = resources('Network');
    const isolated = Object.entries(network).filter(([id, r]) => r.Type === 'AWS::EC2::Subnet' && id.startsWith('Vpcdata'));
    for (const [, subnet] of isolated) expect(subnet.Properties!.MapPublicIpOnLaunch).toBe(false);
    const routesToInternet = Object.entries(network).filter(([id, r]) => r.Type === 'AWS::EC2::Route' && id.startsWith('Vpcdata'));
    expect(routesToInternet).toEqual([]);
    // Only the proxy's security group may reach the cluster; nothing reaches it from a CIDR.
    const ingress = Object.values(data).filter((r) => r.Type === 'AWS::EC2::SecurityGroupIngress');
    for (const rule of ingress) expect(rule.Properties!.CidrIp, JSON.stringify(rule.Properties)).toBeUndefined();
    const proxy = Object.values(data).find((r) => r.Type === 'AWS::RDS::DBProxy')!;
    expect(proxy.Properties).toMatchObject({ EngineFamily: 'POSTGRESQL', RequireTLS: true, DefaultAuthScheme: 'IAM_AUTH' });
    expect(proxy.Properties!.Auth).toBeUndefined();
  });

  it('grants each function rds-db:connect for the app user through the proxy, and nothing wider on the database', () => {
    for (const spec of functions) {
      const statements = policyStatementsOf(functionId(spec.name));
      const connect = statements.filter((s) => [s.Action].flat().includes('rds-db:connect'));
      expect(connect, spec.name).toHaveLength(1);
      expect(JSON.stringify(connect[0]!.Resource), spec.name).toMatch(/dbuser:.*\/streamvibe_app"/);
      expect(statements.flatMap((s) => [s.Action].flat()).filter((a: string) => /^rds/.test(a)), spec.name).toEqual(['rds-db:connect']);
    }
  });

  it('lets a function send only to the queues its feature names (and a worker to its own DLQ)', () => {
    for (const spec of functions) {
      const expected = [...new Set([...(spec.sendsTo ?? []), ...(spec.redrives ?? [])])].map((q) => `${q}queue`)
        .concat(spec.trigger.kind === 'queue' ? [`${spec.trigger.queue}dlq`] : []);
      expect(sqsTargets(spec.name, 'sqs:SendMessage').map((t) => expected.find((e) => t.includes(e)) ?? t).sort(), spec.name).toEqual(expected.sort());
    }
  });

  it('holds each feature to what it uses: discovery sends to no queue and reads one secret (its click-hash key), only enqueueing features send, only a queue\'s owner receives', () => {
    const discovery = functions.filter((f) => f.feature === 'discovery');
    expect(discovery.length).toBeGreaterThan(0);
    for (const fn of discovery) {
      const statements = policyStatementsOf(functionId(fn.name));
      const actions = statements.flatMap((s) => [s.Action].flat() as string[]);
      expect(actions.filter((a) => a.startsWith('sqs:') || a.startsWith('secretsmanager:') || a.startsWith('kms:')), fn.name).toEqual(['secretsmanager:GetSecretValue']);
      const read = statements.find((s) => s.Action === 'secretsmanager:GetSecretValue');
      expect(JSON.stringify(read.Resource), fn.name).toMatch(/EnvCLICKHASHSECRET/);
    }
    const senders = functions.filter((f) => sqsTargets(f.name, 'sqs:SendMessage').some((t) => /queue/.test(t))).map((f) => f.feature);
    expect([...new Set(senders)].sort()).toEqual(features.filter((f) => f.uses?.sendsTo?.length || f.uses?.redrives?.length).map((f) => f.name).sort());
    for (const queue of Object.keys(queues)) {
      const receivers = functions.filter((f) => sqsTargets(f.name, 'sqs:ReceiveMessage').some((t) => t.includes(`${queue}queue`))).map((f) => f.name);
      const owners = features.flatMap((f) => (f.workers ?? []).filter((w) => w.queue === queue).map(() => `${f.name}-worker-${queue}`));
      expect(receivers, queue).toEqual(owners);
    }
  });

  it('lets only the oauth feature create, change and delete the OAuth token secrets, only oauth and sync read them (sync stores refreshed tokens), and the app credentials come from one secret', () => {
    const onOAuthPrefix = (fn: string) => policyStatementsOf(functionId(fn)).filter((s) => JSON.stringify(s.Resource).includes(':secret:streamvibe/dev/oauth/*'));
    const withKey = (fn: string) => policyStatementsOf(functionId(fn)).filter((s) => [s.Action].flat().includes('kms:Decrypt'));
    for (const fn of functions) {
      const actions = onOAuthPrefix(fn.name).flatMap((s) => [s.Action].flat() as string[]);
      if (fn.feature === 'oauth') {
        expect(actions, fn.name).toEqual(expect.arrayContaining(['secretsmanager:CreateSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:DeleteSecret']));
        expect(withKey(fn.name), fn.name).toHaveLength(1);
        // The credentials: <NAME>_SECRET_ARN of the stage's oauth-clients secret, never a client secret in the environment.
        const env = functionId(fn.name).resource.Properties!.Environment.Variables as Record<string, unknown>;
        expect(Object.keys(env), fn.name).toEqual(expect.arrayContaining(['OAUTH_CLIENTS_SECRET_ARN', 'OAUTH_SECRET_PREFIX', 'OAUTH_REDIRECT_BASE_URL', 'APP_URL']));
        expect(Object.keys(env).filter((name) => /CLIENT_SECRET|CLIENT_ID/.test(name)), fn.name).toEqual([]);
      } else if (fn.feature === 'sync') {
        expect(actions.sort(), fn.name).toEqual(['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue']);
        expect(withKey(fn.name), fn.name).toHaveLength(1);
      } else {
        expect(actions, fn.name).toEqual([]);
        // The seo feature's secrets are encrypted with the same key (its own prefix: the next test).
        expect(withKey(fn.name), fn.name).toHaveLength(fn.feature === 'seo' ? 1 : 0);
      }
    }
    expect(functions.filter((f) => f.feature === 'oauth').map((f) => f.name).sort()).toEqual(['oauth-http', 'oauth-scheduled', 'oauth-worker-tokens']);
  });

  it('lets only the seo feature create, read and delete the SEO connections\' secrets (prefix streamvibe/<stage>/seo/*), never change another family\'s', () => {
    const onSeoPrefix = (fn: string) => policyStatementsOf(functionId(fn)).filter((s) => JSON.stringify(s.Resource).includes(':secret:streamvibe/dev/seo/*'));
    for (const fn of functions) {
      const actions = onSeoPrefix(fn.name).flatMap((s) => [s.Action].flat() as string[]).sort();
      expect(actions, fn.name).toEqual(fn.feature === 'seo' ? ['secretsmanager:CreateSecret', 'secretsmanager:DeleteSecret', 'secretsmanager:DescribeSecret',
        'secretsmanager:GetSecretValue', 'secretsmanager:TagResource'] : []);
      if (fn.feature !== 'seo') continue;
      const env = functionId(fn.name).resource.Properties!.Environment.Variables as Record<string, unknown>;
      expect(env, fn.name).toMatchObject({ SEO_SECRET_PREFIX: 'streamvibe/dev/seo/', SEO_SECRET_KMS_KEY_ARN: expect.anything() });
    }
    expect(functions.filter((f) => f.feature === 'seo').map((f) => f.name).sort()).toEqual(['seo-http', 'seo-scheduled', 'seo-worker-seo']);
  });

  it('lets only the ai feature read the AI providers\' keys (one secret per provider), as <NAME>_SECRET_ARN', () => {
    const AI_KEYS = ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'GEMINI_API_KEY'];
    for (const fn of functions) {
      const resources = JSON.stringify(policyStatementsOf(functionId(fn.name)).filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue')).map((s) => s.Resource));
      const env = Object.keys(functionId(fn.name).resource.Properties!.Environment.Variables as Record<string, unknown>);
      for (const key of AI_KEYS) {
        expect(resources.includes(`Env${key.replaceAll('_', '')}`), `${fn.name} reads ${key}`).toBe(fn.feature === 'ai');
        expect(env.includes(`${key}_SECRET_ARN`), `${fn.name} has ${key}_SECRET_ARN`).toBe(fn.feature === 'ai');
        expect(env, fn.name).not.toContain(key);
      }
    }
  });

  it('has no IAM statement on "*" except the acknowledged ones (X-Ray tracing, listed with the reason)', () => {
    const ACKNOWLEDGED_STAR_ACTIONS: Record<string, string> = {
      'xray:PutTraceSegments': 'X-Ray has no resource-level permissions',
      'xray:PutTelemetryRecords': 'X-Ray has no resource-level permissions',
    };
    const offenders: string[] = [];
    for (const { stack, id, resource } of all) {
      for (const statement of identityStatements(resource)) {
        if (![statement.Resource].flat().includes('*')) continue;
        const unacknowledged = [statement.Action].flat().filter((a: string) => !(a in ACKNOWLEDGED_STAR_ACTIONS));
        if (unacknowledged.length) offenders.push(`${stack}/${id}: ${unacknowledged.join(', ')} on *`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('alarms on every DLQ, every function\'s errors and throttles, API 5xx, Aurora CPU and connections, with a dashboard', () => {
    const alarms = Object.values(resources('Monitoring')).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    const metricOf = (a: Resource) => a.Properties!.MetricName ?? a.Properties!.Metrics?.[0]?.MetricStat?.Metric?.MetricName;
    const count = (metric: string) => alarms.filter((a) => metricOf(a) === metric).length;
    expect(count('ApproximateNumberOfMessagesVisible')).toBe(Object.keys(queues).length + 1);
    expect(count('Errors')).toBe(functions.length);
    expect(count('Throttles')).toBe(functions.length);
    expect(count('5xx')).toBe(1);
    expect(count('CPUUtilization')).toBe(1);
    expect(count('DatabaseConnections')).toBe(1);
    for (const alarm of alarms) expect(alarm.Properties!.AlarmActions).toHaveLength(1);
    templates[`StreamVibe-${STAGE}-Monitoring`]!.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('applies the migrations with a custom resource whose fingerprint follows db/migrations', () => {
    const data = templates[`StreamVibe-${STAGE}-Data`]!;
    data.hasResourceProperties('Custom::SchemaMigrations', {
      DatabaseName: 'streamvibe', AppRole: 'streamvibe_app', MigrationsFingerprint: Match.stringLikeRegexp('^[0-9a-f]{64}$'),
      ClusterArn: Match.anyValue(), SecretArn: Match.anyValue(),
    });
    const runner = policyStatementsOf(all.find((r) => path(r.resource) === 'Data/SchemaMigrations/Runner/Resource')!);
    expect(runner.flatMap((s) => [s.Action].flat())).toEqual(expect.arrayContaining(['rds-data:ExecuteStatement', 'rds-data:BeginTransaction', 'rds-data:CommitTransaction', 'rds-data:RollbackTransaction']));
  });
});

/** The queues (logical ids) a manifest Lambda's role may use with an SQS action. */
function sqsTargets(name: string, action: string): string[] {
  return policyStatementsOf(functionId(name))
    .filter((s) => [s.Action].flat().includes(action))
    .flatMap((s) => [s.Resource].flat().map((r: { 'Fn::GetStackOutput'?: { OutputName: string }; 'Fn::GetAtt'?: string[] }) =>
      String(r['Fn::GetStackOutput']?.OutputName ?? r['Fn::GetAtt']?.[0])));
}

/** Statements of the identity policies attached to a function's role. */
function policyStatementsOf(fn: { stack: string; resource: Resource }): any[] {
  const roleId = fn.resource.Properties!.Role['Fn::GetAtt'][0] as string;
  return all.filter((r) => r.stack === fn.stack && r.resource.Type === 'AWS::IAM::Policy'
    && (r.resource.Properties!.Roles as { Ref: string }[]).some((role) => role.Ref === roleId))
    .flatMap((r) => r.resource.Properties!.PolicyDocument.Statement);
}

/** Identity-policy statements of a resource (IAM policies, managed policies, inline role policies). */
function identityStatements(resource: Resource): any[] {
  if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') return resource.Properties!.PolicyDocument.Statement;
  if (resource.Type === 'AWS::IAM::Role') return (resource.Properties?.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement);
  // CDK's own custom-resource providers keep their role inline in a CfnResource.
  if (resource.Type === 'AWS::Lambda::Function') return [];
  return [];
}
