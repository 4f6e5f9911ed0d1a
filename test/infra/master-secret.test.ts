import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { stageConfig, type Stage } from '../../infra/config.ts';
import { MASTER_SECRET_ROTATION_DAYS } from '../../infra/stacks/data-stack.ts';
import { synthStage } from './synth.ts';

describe('the Aurora master secret: kept with the cluster, rotated', () => {
  it.each([['dev', 'Delete'], ['staging', 'Retain'], ['prod', 'Retain']] as [Stage, string][])(
    'stage %s: the secret\'s deletion policy follows the cluster\'s (a destroyed cluster takes it, a kept cluster or its final snapshot keeps it): %s',
    async (stage, policy) => {
      const { templates } = await synthStage(stage);
      const data = templates[`StreamVibe-${stage}-Data`]!;

      const [secret] = Object.values(data.findResources('AWS::SecretsManager::Secret', { Properties: { Name: `streamvibe/${stage}/aurora/master` } }));
      expect(secret).toMatchObject({ DeletionPolicy: policy, UpdateReplacePolicy: policy });
      const [cluster] = Object.values(data.findResources('AWS::RDS::DBCluster'));
      expect({ removal: stageConfig(stage).aurora.removal, cluster: cluster!.DeletionPolicy }).toEqual({
        removal: { Delete: 'destroy', Retain: stage === 'prod' ? 'retain' : 'snapshot' }[policy],
        cluster: { destroy: 'Delete', snapshot: 'Snapshot', retain: 'Retain' }[stageConfig(stage).aurora.removal],
      });
    });

  it('rotates every 30 days with AWS\'s single-user PostgreSQL rotation, whose function reaches only the cluster and the Secrets Manager endpoint', async () => {
    const { templates } = await synthStage('prod');
    const data = templates['StreamVibe-prod-Data']!;

    data.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      RotationRules: { ScheduleExpression: `rate(${MASTER_SECRET_ROTATION_DAYS} days)` },
      RotationLambdaARN: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AuroraRotationSingleUser'), 'Outputs.RotationLambdaARN'] },
    });
    data.resourceCountIs('AWS::Serverless::Application', 1);
    const [rotationSgId] = Object.keys(data.findResources('AWS::EC2::SecurityGroup', { Properties: { GroupDescription: Match.stringLikeRegexp('^Aurora master secret rotation') } }));
    const [, rotationSg] = Object.entries(data.toJSON().Resources as Record<string, any>).find(([id]) => id === rotationSgId)!;
    // No allow-all egress: HTTPS to the endpoint's group (inline) and PostgreSQL to the cluster's (a separate rule).
    expect(rotationSg.Properties.SecurityGroupEgress).toEqual([expect.objectContaining({ FromPort: 443, ToPort: 443, DestinationSecurityGroupId: expect.anything() })]);
    data.hasResourceProperties('AWS::EC2::SecurityGroupEgress', { GroupId: { 'Fn::GetAtt': [rotationSgId, 'GroupId'] }, DestinationSecurityGroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AuroraSecurityGroup'), 'GroupId'] } });
    data.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 443, SourceSecurityGroupId: { 'Fn::GetAtt': [rotationSgId, 'GroupId'] } });
    data.hasResourceProperties('AWS::EC2::SecurityGroupIngress', { GroupId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^AuroraSecurityGroup'), 'GroupId'] }, SourceSecurityGroupId: { 'Fn::GetAtt': [rotationSgId, 'GroupId'] } });
  });
});
