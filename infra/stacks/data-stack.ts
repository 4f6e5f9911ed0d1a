import { Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { CfnSecurityGroupEgress, CfnSecurityGroupIngress, Peer, Port, SecurityGroup, SubnetType, type IInterfaceVpcEndpoint, type ISecurityGroup, type IVpc } from 'aws-cdk-lib/aws-ec2';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { CfnApplication } from 'aws-cdk-lib/aws-sam';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import {
  AuroraPostgresEngineVersion, ClusterInstance, Credentials, DatabaseCluster, DatabaseClusterEngine, DatabaseProxy, DatabaseSecret,
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
  /** The rotation function reaches Secrets Manager through it (the VPC's private DNS sends the service's name there). */
  secretsManagerEndpoint: IInterfaceVpcEndpoint;
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
const HTTPS_PORT = 443;
/**
 * How long a client waits for RDS Proxy to lend it a connection before the proxy refuses: below the shortest
 * function timeout (the Cognito triggers' 5 s), so a saturated pool fails the request with an error the function
 * still has time to report, instead of the function timing out holding a client slot.
 */
export const PROXY_BORROW_TIMEOUT_SECONDS = 3;

const removalPolicies = { snapshot: RemovalPolicy.SNAPSHOT, retain: RemovalPolicy.RETAIN, destroy: RemovalPolicy.DESTROY } as const;
/** The master secret follows the cluster: kept with a kept cluster or its final snapshot (useless without it), gone with a destroyed one. */
const masterSecretRemovalPolicies = { snapshot: RemovalPolicy.RETAIN, retain: RemovalPolicy.RETAIN, destroy: RemovalPolicy.DESTROY } as const;
/** How often Secrets Manager rotates the master password (single-user rotation: the migrations' next Data API call reads the new one). */
export const MASTER_SECRET_ROTATION_DAYS = 30;

/**
 * Aurora Serverless v2 PostgreSQL 17 in the isolated subnets: encrypted, IAM authentication, Data API on (for the
 * deploy-time migrations only), RDS Proxy in front for the Lambdas. The proxy authenticates end to end with IAM:
 * a Lambda signs a token for `streamvibe_app`, and the proxy logs in to Aurora as that user with IAM too, so no
 * application password exists anywhere. The master user's generated secret serves the migrations alone (and
 * `npm run admin:grant --stage`); Secrets Manager rotates it every MASTER_SECRET_ROTATION_DAYS days, and it is kept
 * whenever the cluster or its final snapshot is.
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
    // cluster.secret is the secret's attachment to the cluster (always retained); the secret itself is this child.
    (this.cluster.node.findChild('Secret') as DatabaseSecret).applyRemovalPolicy(masterSecretRemovalPolicies[config.aurora.removal]);
    // AWS's hosted single-user PostgreSQL rotation (a Serverless Application Repository app) in the cluster's
    // subnets, with a security group that may reach only the cluster and the Secrets Manager endpoint.
    const rotationSecurityGroup = new SecurityGroup(this, 'MasterRotationSg', {
      vpc, description: 'Aurora master secret rotation: PostgreSQL to the cluster, HTTPS to the Secrets Manager endpoint', allowAllOutbound: false,
    });
    const rotation = this.cluster.addRotationSingleUser({
      automaticallyAfter: Duration.days(MASTER_SECRET_ROTATION_DAYS), endpoint: props.secretsManagerEndpoint, securityGroup: rotationSecurityGroup,
    });
    // The rotation function (made by the SAR app, named by CDK) would log to a log group kept forever: make it first.
    const rotationApp = rotation.node.findChild('Resource') as CfnApplication;
    const rotationLogs = new LogGroup(this, 'MasterRotationLogs', {
      logGroupName: `/aws/lambda/${(rotationApp.parameters as Record<string, string>).functionName}`,
      retention: config.logRetention,
      removalPolicy: removalPolicyOf(config),
    });
    rotationApp.node.addDependency(rotationLogs);
    // CDK opens the cluster to the rotation function, not the endpoint, whose security group admits the Lambdas only.
    // Both rules live here (the network stack cannot refer to this one: it would be a cycle).
    for (const [i, endpointGroup] of props.secretsManagerEndpoint.connections.securityGroups.entries()) {
      rotationSecurityGroup.addEgressRule(Peer.securityGroupId(endpointGroup.securityGroupId), Port.tcp(HTTPS_PORT), 'Secrets Manager endpoint');
      new CfnSecurityGroupIngress(this, `SecretsEndpointFromRotation${i}`, {
        groupId: endpointGroup.securityGroupId, sourceSecurityGroupId: rotationSecurityGroup.securityGroupId,
        ipProtocol: 'tcp', fromPort: HTTPS_PORT, toPort: HTTPS_PORT, description: 'HTTPS from the Aurora master secret rotation',
      });
    }

    const proxySecurityGroup = new SecurityGroup(this, 'ProxySg', {
      vpc, description: 'RDS Proxy: PostgreSQL from the StreamVibe Lambdas', allowAllOutbound: false,
    });
    // RDS Proxy's connections refuse allowDefaultPortFrom(); name the port.
    proxySecurityGroup.addIngressRule(props.functionSecurityGroup, Port.tcp(POSTGRES_PORT), 'PostgreSQL from the Lambdas');
    // The Lambdas' PostgreSQL egress, to this group and nowhere else (here: the network stack cannot refer to this one).
    new CfnSecurityGroupEgress(this, 'FunctionsToProxy', {
      groupId: props.functionSecurityGroup.securityGroupId, destinationSecurityGroupId: proxySecurityGroup.securityGroupId,
      ipProtocol: 'tcp', fromPort: POSTGRES_PORT, toPort: POSTGRES_PORT, description: 'PostgreSQL to the RDS Proxy only',
    });
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
      ...(config.aurora.deletionProtection ? [] : [{
        id: 'AwsSolutions-RDS10',
        reason: config.aurora.removal === 'destroy'
          ? `Deletion protection is on in prod only; ${config.stage} is torn down and rebuilt freely: its data is disposable (removal: destroy).`
          : `Deletion protection is on in prod only; deleting ${config.stage}'s stack keeps its data all the same (removal: ${config.aurora.removal}` +
            `${config.aurora.removal === 'snapshot' ? ', a final snapshot' : ''}; ${config.aurora.backupRetentionDays} days of automated backups until then).`,
      }]),
    );
  }
}
