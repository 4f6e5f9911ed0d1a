import { join } from 'node:path';
import { CustomResource, Duration, RemovalPolicy, type CfnResource } from 'aws-cdk-lib';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { DatabaseCluster } from 'aws-cdk-lib/aws-rds';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { migrationsFingerprint, type Migration } from '../../db/migrate.ts';
import type { MigrationsProperties } from '../migrations/handler.ts';
import { acknowledgeInvokeVersions, acknowledgeLambdaManagedPolicies, acknowledgeXRayWildcard } from '../nag.ts';
import { nodejsBundling, REPO_ROOT } from './bundling.ts';

export interface SchemaMigrationsProps {
  cluster: DatabaseCluster;
  databaseName: string;
  appRole: string;
  migrations: Migration[];
  logRetention: RetentionDays;
}

/**
 * Applies db/migrations at deploy time: a custom resource whose Lambda runs db/migrate.ts over the RDS Data API
 * (the Lambda stays outside the VPC: the Data API is a public AWS endpoint, and nothing else is needed). It runs
 * after the cluster (writer included) exists, and again whenever the migrations' fingerprint changes.
 */
export class SchemaMigrations extends Construct {
  readonly runner: NodejsFunction;
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: SchemaMigrationsProps) {
    super(scope, id);
    const secret = props.cluster.secret;
    if (!secret) throw new Error('SchemaMigrations needs a cluster with a generated master secret (the Data API signs in with it)');

    this.runner = new NodejsFunction(this, 'Runner', {
      entry: join(REPO_ROOT, 'infra/migrations/handler.ts'),
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      description: 'Applies db/migrations over the RDS Data API (CloudFormation custom resource)',
      timeout: Duration.minutes(10),
      memorySize: 512,
      tracing: Tracing.ACTIVE,
      logGroup: new LogGroup(this, 'RunnerLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY }),
      bundling: nodejsBundling({
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) =>
            [`mkdir -p "${outputDir}/migrations" && cp "${inputDir}"/db/migrations/*.sql "${outputDir}/migrations/"`],
        },
      }),
    });
    props.cluster.grantDataApiAccess(this.runner);

    const provider = new Provider(this, 'Provider', {
      onEventHandler: this.runner,
      logGroup: new LogGroup(this, 'ProviderLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY }),
    });

    const properties: MigrationsProperties = {
      ClusterArn: props.cluster.clusterArn,
      SecretArn: secret.secretArn,
      DatabaseName: props.databaseName,
      AppRole: props.appRole,
      MigrationsFingerprint: migrationsFingerprint(props.migrations),
    };
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::SchemaMigrations',
      properties,
    });
    // The cluster construct holds its instances: the Data API needs the writer up.
    this.resource.node.addDependency(props.cluster);

    acknowledgeLambdaManagedPolicies(this.runner, { inVpc: false });
    acknowledgeXRayWildcard(this.runner);
    acknowledgeLambdaManagedPolicies(provider, { inVpc: false });
    acknowledgeInvokeVersions(provider, this.runner.node.defaultChild as CfnResource, 'CDK\'s custom-resource framework function');
  }
}
