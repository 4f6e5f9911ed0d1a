/**
 * cdk-nag (AwsSolutions) acknowledgements shared by several constructs. Each carries the reason it is accepted;
 * IAM4/IAM5 findings are acknowledged by their exact id (rule plus the policy or resource in brackets), so a new
 * managed policy or wildcard elsewhere still fails the check.
 */
import { Stack, Validations, type App, type CfnResource } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag's AwsSolutions pack as a validation plugin of the app: every `cdk synth` and `cdk deploy` runs it after
 * synthesis, and any open (unacknowledged) finding fails the command with its rule, construct path and fix.
 */
export function checkWithCdkNag(app: App) {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}

const managedPolicy = (name: string) => `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/${name}]`;

/** The managed policies every Lambda role gets from CDK: logs (all) and network interfaces (in a VPC). */
export function acknowledgeLambdaManagedPolicies(scope: IConstruct, options: { inVpc: boolean }) {
  Validations.of(scope).acknowledge(
    { id: managedPolicy('AWSLambdaBasicExecutionRole'), reason: 'AWSLambdaBasicExecutionRole: the minimal AWS policy for a function to write its own logs.' },
    ...(options.inVpc ? [{
      id: managedPolicy('AWSLambdaVPCAccessExecutionRole'),
      reason: 'AWSLambdaVPCAccessExecutionRole: the minimal AWS policy for the network interfaces of a function in a VPC.',
    }] : []),
  );
}

/** X-Ray tracing grants xray:PutTraceSegments/PutTelemetryRecords, which have no resource-level permissions. */
export function acknowledgeXRayWildcard(scope: IConstruct) {
  Validations.of(scope).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: 'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.',
  });
}

/** `<function ARN>:*` lets a caller invoke every version and alias of one function (how CDK grants invoke). */
export function acknowledgeInvokeVersions(scope: IConstruct, fn: CfnResource, caller: string) {
  const logicalId = Stack.of(fn).resolve(fn.logicalId) as string;
  Validations.of(scope).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
    reason: `${caller} may invoke the versions of this one function (<ARN>:*), which is how CDK grants lambda:InvokeFunction.`,
  });
}
