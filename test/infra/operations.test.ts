import type { Template } from 'aws-cdk-lib/assertions';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { functions, type ScheduleTrigger } from '../../functions/manifest.ts';
import { STAGES, type Stage } from '../../infra/config.ts';
import { synthStage } from './synth.ts';

type Resource = { Type: string; Properties?: Record<string, any>; Metadata?: Record<string, unknown> };
const all = (templates: Record<string, Template>) =>
  Object.entries(templates).flatMap(([stack, t]) => Object.entries(t.toJSON().Resources as Record<string, Resource>).map(([id, r]) => ({ stack, id, r })));

describe('operations: alarms reach someone, schedules fail loudly, the network and logs are bounded', () => {
  it.each(['staging', 'prod'] as Stage[])('stage %s: synth fails without an alarm subscriber in the stage config', async (stage) => {
    await expect(synthStage(stage, { configure: (c) => { delete c.alarms.email; } })).rejects.toThrow(/alarms\.email is required/);
  });

  it('subscribes the stage\'s address to the alarm topic (dev may have none)', async () => {
    const { templates } = await synthStage('prod');
    templates['StreamVibe-prod-Monitoring']!.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@streamvibe.app' });
    await expect(synthStage('dev', { configure: (c) => { delete c.alarms.email; } })).resolves.toBeDefined();
  });

  it('lets CloudWatch use the alarm topic\'s key only for this account\'s alarms (aws:SourceAccount, aws:SourceArn)', async () => {
    const { templates } = await synthStage('dev');
    const [key] = Object.values(templates['StreamVibe-dev-Monitoring']!.findResources('AWS::KMS::Key'));
    const statements = key!.Properties.KeyPolicy.Statement as any[];
    const cloudwatch = statements.filter((s) => JSON.stringify(s.Principal).includes('cloudwatch.amazonaws.com'));

    expect(cloudwatch).toHaveLength(1);
    expect(cloudwatch[0]).toMatchObject({
      Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }, ArnLike: { 'aws:SourceArn': expect.anything() } },
    });
    expect(JSON.stringify(cloudwatch[0].Condition.ArnLike['aws:SourceArn'])).toMatch(/:cloudwatch:.*:alarm:\*/);
  });

  it('gives every schedule the schedules\' dead-letter queue and group, and alarms on failed, dropped and dead-lettered invocations', async () => {
    const { templates } = await synthStage('dev');
    const jobs = templates['StreamVibe-dev-Jobs']!;
    const monitoring = templates['StreamVibe-dev-Monitoring']!;

    const schedules = Object.values(jobs.findResources('AWS::Scheduler::Schedule'));
    expect(schedules).toHaveLength(functions.filter((f) => f.trigger.kind === 'schedule').flatMap((f) => (f.trigger as ScheduleTrigger).tasks).length);
    const [groupId] = Object.keys(jobs.findResources('AWS::Scheduler::ScheduleGroup', { Properties: { Name: 'streamvibe-dev-schedules' } }));
    const [dlqId] = Object.keys(jobs.findResources('AWS::SQS::Queue', { Metadata: { 'aws:cdk:path': 'StreamVibe-dev-Jobs/schedules-dlq/Resource' } }));
    expect(groupId).toBeDefined();
    for (const schedule of schedules) {
      // The group by name, so the schedule must wait for it.
      expect(schedule.DependsOn).toContain(groupId);
      expect(schedule.Properties).toMatchObject({
        GroupName: 'streamvibe-dev-schedules',
        Target: { DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } }, RetryPolicy: { MaximumRetryAttempts: 2 } },
      });
    }
    for (const metric of ['TargetErrorCount', 'InvocationDroppedCount', 'InvocationsFailedToBeSentToDeadLetterCount']) {
      monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Scheduler', MetricName: metric, Threshold: 1, Dimensions: [{ Name: 'ScheduleGroup', Value: Match.anyValue() }],
        AlarmActions: [Match.anyValue()],
      });
    }
    const [dlqAlarm] = Object.values(monitoring.findResources('AWS::CloudWatch::Alarm', { Properties: { AlarmDescription: Match.stringLikeRegexp('schedules DLQ') } }));
    expect(dlqAlarm!.Properties.Metrics[0].MetricStat.Metric).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Namespace: 'AWS/SQS' });
  });

  it('lets the functions\' security group send PostgreSQL to the RDS Proxy\'s security group and to no address range', async () => {
    const { templates } = await synthStage('dev');
    const network = templates['StreamVibe-dev-Network']!;
    const data = templates['StreamVibe-dev-Data']!;

    const [functionsSg] = Object.values(network.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: Match.stringLikeRegexp('^StreamVibe Lambdas') } }));
    const inline = functionsSg!.Properties.SecurityGroupEgress as any[];
    expect(inline.filter((e) => e.FromPort === 5432 || e.IpProtocol === '-1')).toEqual([]);
    const [proxySgId] = Object.keys(data.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: Match.stringLikeRegexp('^RDS Proxy') } }));
    const postgresEgress = all(templates).filter(({ r }) => r.Type === 'AWS::EC2::SecurityGroupEgress' && r.Properties!.FromPort === 5432);
    expect(postgresEgress.map(({ r }) => r.Properties)).toEqual([expect.objectContaining({
      GroupId: expect.objectContaining({ 'Fn::GetStackOutput': expect.objectContaining({ StackName: 'StreamVibe-dev-Network' }) }),
      DestinationSecurityGroupId: { 'Fn::GetAtt': [proxySgId, 'GroupId'] }, ToPort: 5432,
    })]);
    expect(postgresEgress.every(({ r }) => r.Properties!.CidrIp === undefined)).toBe(true);
  });

  it.each(STAGES)('stage %s: every log group has a retention, and every Lambda (CDK\'s and the rotation app\'s too) logs to one', async (stage) => {
    const { templates } = await synthStage(stage);
    const resources = all(templates);

    const logGroups = resources.filter(({ r }) => r.Type === 'AWS::Logs::LogGroup');
    for (const { id, r } of logGroups) expect(r.Properties?.RetentionInDays, id).toBeGreaterThan(0);
    for (const { id, r } of resources.filter(({ r }) => r.Type === 'AWS::Lambda::Function')) {
      expect(r.Properties!.LoggingConfig?.LogGroup, id).toBeDefined();
    }
    const [rotation] = resources.filter(({ r }) => r.Type === 'AWS::Serverless::Application');
    const functionName = rotation!.r.Properties!.Parameters.functionName as string;
    expect(logGroups.map(({ r }) => r.Properties?.LogGroupName)).toContain(`/aws/lambda/${functionName}`);
  });

  it('gives the Cognito app client no OAuth flow and no callback (SRP sign-in only)', async () => {
    const { templates } = await synthStage('prod');
    const [client] = Object.values(templates['StreamVibe-prod-Auth']!.findResources('AWS::Cognito::UserPoolClient'));

    expect(client!.Properties.AllowedOAuthFlows).toBeUndefined();
    expect(client!.Properties.AllowedOAuthFlowsUserPoolClient).not.toBe(true);
    expect(client!.Properties.CallbackURLs).toBeUndefined();
    expect(client!.Properties.ExplicitAuthFlows).toEqual(['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']);
  });

  it('sends prod\'s Cognito mail through SES from the stage\'s verified identity, and requires TOTP MFA in prod', async () => {
    const { templates } = await synthStage('prod');
    const auth = templates['StreamVibe-prod-Auth']!;

    auth.hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'ON', EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      EmailConfiguration: {
        EmailSendingAccount: 'DEVELOPER', From: 'StreamVibe <no-reply@streamvibe.app>',
        SourceArn: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':ses:us-east-1:'), ':identity/streamvibe.app'])] },
      },
    });
    const dev = (await synthStage('dev')).templates['StreamVibe-dev-Auth']!;
    dev.hasResourceProperties('AWS::Cognito::UserPool', { MfaConfiguration: 'OPTIONAL' });
  });
});
