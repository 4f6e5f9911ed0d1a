import { Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { Port, SecurityGroup, SubnetType, type ISecurityGroup, type IVpc } from 'aws-cdk-lib/aws-ec2';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import {
  AuroraPostgresEngineVersion, ClusterInstance, Credentials, DatabaseCluster, DatabaseClusterEngine, DatabaseProxy,
  DefaultAuthScheme, ParameterGroup, ProxyTarget,
} from 'aws-cdk-lib/aws-rds';
import type { Construct } from 'constructs';
import type { Migration } from '../../db/migrate.ts';
import { APP_ROLE, OWNER_ROLE } from '../../db/roles.ts';
import { removalPolicyOf, type StageConfig } from '../config.ts';
import { SchemaMigrations } from '../constructs/schema-migrations.ts';

export interface DataStackProps extends StackProps {
  config: StageConfig;
  vpc: IVpc;
  functionSecurityGroup: ISecurityGroup;
  migrations: Migration[];
}

/** How a function reaches the database: the environment it reads and the IAM grant that lets it log in. */
export interface DatabaseAccess {
  environment: Record<string, string>;
  /** How long RDS Proxy lets a client wait for a connection: every function's timeout must exceed it. */
  borrowTimeoutSeconds: number;
  grantConnect(grantee: IGrantable): void;
}

export const DATABASE_NAME = 'streamvibe';
/** The major the local embedded PostgreSQL runs (17); the minor is Aurora's latest 17 in aws-cdk-lib. */
const ENGINE = DatabaseClusterEngine.auroraPostgres({ version: AuroraPostgresEngineVersion.VER_17_7 });
const POSTGRES_PORT = 5432;
/**
 * How long a client waits for RDS Proxy to lend it a connection before the proxy refuses: below the shortest
 * function timeout (the Cognito triggers' 5 s), so a saturated pool fails the request with an error the function
 * still has time to report, instead of the function timing out holding a client slot.
 */
export const PROXY_BORROW_TIMEOUT_SECONDS = 3;

const removalPolicies = { snapshot: RemovalPolicy.SNAPSHOT, retain: RemovalPolicy.RETAIN, destroy: RemovalPolicy.DESTROY } as const;

/**
 * Aurora Serverless v2 PostgreSQL 17 in the isolated subnets: encrypted, IAM authentication, Data API on (for the
 * deploy-time migrations only), RDS Proxy in front for the Lambdas. The proxy authenticates end to end with IAM:
 * a Lambda signs a token for `streamvibe_app`, and the proxy logs in to Aurora as that user with IAM too, so no
 * application password exists anywhere. The master user's generated secret serves the migrations alone.
 */
export class DataStack extends Stack {
  readonly cluster: DatabaseCluster;
  readonly proxy: DatabaseProxy;
  readonly database: DatabaseAccess;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { config, vpc } = props;
    const isolated = { subnetType: SubnetType.PRIVATE_ISOLATED };
    const clusterIdentifier = `${config.prefix}-aurora`;

    // Created here rather than by RDS so that it has a retention and goes with the stack.
    const postgresLogs = new LogGroup(this, 'PostgresLogs', {
      logGroupName: `/aws/rds/cluster/${clusterIdentifier}/postgresql`,
      retention: config.logRetention,
      removalPolicy: removalPolicyOf(config),
    });

    this.cluster = new DatabaseCluster(this, 'Aurora', {
      engine: ENGINE,
      clusterIdentifier,
      // Aurora's master user has the attributes the migrations are tested with (NOSUPERUSER CREATEDB CREATEROLE).
      credentials: Credentials.fromGeneratedSecret(OWNER_ROLE, { secretName: `streamvibe/${config.stage}/aurora/master` }),
      defaultDatabaseName: DATABASE_NAME,
      writer: ClusterInstance.serverlessV2('Writer', { publiclyAccessible: false, autoMinorVersionUpgrade: true }),
      readers: Array.from({ length: config.aurora.readers }, (_, i) =>
        ClusterInstance.serverlessV2(`Reader${i + 1}`, { publiclyAccessible: false, scaleWithWriter: true, autoMinorVersionUpgrade: true })),
      serverlessV2MinCapacity: config.aurora.minCapacityAcu,
      serverlessV2MaxCapacity: config.aurora.maxCapacityAcu,
      vpc,
      vpcSubnets: isolated,
      port: POSTGRES_PORT,
      storageEncrypted: true,
      iamAuthentication: true,
      enableDataApi: true,
      parameterGroup: new ParameterGroup(this, 'ClusterParameters', {
        engine: ENGINE,
        description: 'StreamVibe: TLS only, log slow statements',
        parameters: { 'rds.force_ssl': '1', log_min_duration_statement: '1000' },
      }),
      backup: { retention: Duration.days(config.aurora.backupRetentionDays), preferredWindow: '02:00-03:00' },
      preferredMaintenanceWindow: 'Sun:03:30-Sun:04:30',
      deletionProtection: config.aurora.deletionProtection,
      removalPolicy: removalPolicies[config.aurora.removal],
      cloudwatchLogsExports: ['postgresql'],
      copyTagsToSnapshot: true,
    });
    this.cluster.node.addDependency(postgresLogs);

    const proxySecurityGroup = new SecurityGroup(this, 'ProxySg', {
      vpc, description: 'RDS Proxy: PostgreSQL from the StreamVibe Lambdas', allowAllOutbound: false,
    });
    // RDS Proxy's connections refuse allowDefaultPortFrom(); name the port.
    proxySecurityGroup.addIngressRule(props.functionSecurityGroup, Port.tcp(POSTGRES_PORT), 'PostgreSQL from the Lambdas');
    // ProxyTarget.fromCluster opens Aurora's security group to this one (and this one's egress to Aurora).

    const proxyRole = new Role(this, 'ProxyRole', {
      assumedBy: new ServicePrincipal('rds.amazonaws.com'),
      description: 'RDS Proxy: IAM login to Aurora as the application user',
    });
    this.cluster.grantConnect(proxyRole, APP_ROLE);
    this.proxy = new DatabaseProxy(this, 'Proxy', {
      proxyTarget: ProxyTarget.fromCluster(this.cluster),
      vpc,
      vpcSubnets: isolated,
      securityGroups: [proxySecurityGroup],
      role: proxyRole,
      defaultAuthScheme: DefaultAuthScheme.IAM_AUTH,
      iamAuth: true,
      requireTLS: true,
      idleClientTimeout: Duration.minutes(30),
      borrowTimeout: Duration.seconds(PROXY_BORROW_TIMEOUT_SECONDS),
      maxConnectionsPercent: 90,
    });

    new SchemaMigrations(this, 'SchemaMigrations', {
      cluster: this.cluster,
      databaseName: DATABASE_NAME,
      appRole: APP_ROLE,
      migrations: props.migrations,
      logRetention: config.logRetention,
    });

    const proxy = this.proxy;
    this.database = {
      environment: { DB_HOST: proxy.endpoint, DB_PORT: String(POSTGRES_PORT), DB_NAME: DATABASE_NAME, DB_USER: APP_ROLE },
      borrowTimeoutSeconds: PROXY_BORROW_TIMEOUT_SECONDS,
      grantConnect: (grantee) => proxy.grantConnect(grantee, APP_ROLE),
    };

    Validations.of(this.cluster).acknowledge(
      { id: 'AwsSolutions-SMG4', reason: 'The master secret is read only by the deploy-time migration runner over the Data API; applications log in with IAM tokens. Rotation (addRotationSingleUser) is a follow-up once the secret has a second consumer.' },
      ...(config.aurora.deletionProtection ? [] : [{
        id: 'AwsSolutions-RDS10',
        reason: `Deletion protection is on in prod only; ${config.stage} is torn down and rebuilt freely (its data is disposable).`,
      }]),
    );
  }
}
