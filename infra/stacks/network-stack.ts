import { Stack, type CfnResource, type StackProps } from 'aws-cdk-lib';
import {
  FlowLogDestination, FlowLogTrafficType, InterfaceVpcEndpointAwsService, type InterfaceVpcEndpoint, Peer, Port, SecurityGroup, SubnetType, Vpc,
  type ISecurityGroup, type IVpc,
} from 'aws-cdk-lib/aws-ec2';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { removalPolicyOf, type StageConfig } from '../config.ts';

export interface NetworkStackProps extends StackProps {
  config: StageConfig;
}

/**
 * The VPC over two AZs: public subnets (NAT only), private subnets with egress for the Lambdas, isolated subnets
 * for Aurora and RDS Proxy. NAT is kept because workers call third-party APIs (YouTube, OpenAI, Stripe, …) that
 * no endpoint reaches; one gateway outside prod (an AZ outage there may cut egress), one per AZ in prod. AWS
 * traffic the functions make (SQS, Secrets Manager) goes through interface endpoints instead: private, and not
 * billed per GB by NAT. No S3 gateway endpoint: no function uses S3.
 */
export class NetworkStack extends Stack {
  readonly vpc: IVpc;
  /** Every app Lambda's security group: HTTPS out, PostgreSQL to the proxy's group only (added by the data stack), nothing in. */
  readonly functionSecurityGroup: ISecurityGroup;
  /** The Secrets Manager interface endpoint (private DNS: inside the VPC the service's name resolves to it). */
  readonly secretsManagerEndpoint: InterfaceVpcEndpoint;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    const { config } = props;

    const flowLogs = new LogGroup(this, 'FlowLogs', {
      retention: config.network.flowLogRetention,
      removalPolicy: removalPolicyOf(config),
    });
    const vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: config.network.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'functions', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
        { name: 'data', subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      flowLogs: { all: { destination: FlowLogDestination.toCloudWatchLogs(flowLogs), trafficType: FlowLogTrafficType.ALL } },
    });
    this.vpc = vpc;
    // CDK's provider that empties the default security group (@aws-cdk/aws-ec2:restrictDefaultSecurityGroup) would log
    // to a log group Lambda creates on first use, kept forever: give it one with the stage's retention.
    const restrictDefaultSg = this.node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider')?.node.tryFindChild('Handler') as CfnResource | undefined;
    if (restrictDefaultSg) {
      const logs = new LogGroup(this, 'RestrictDefaultSgLogs', { retention: config.logRetention, removalPolicy: removalPolicyOf(config) });
      restrictDefaultSg.addPropertyOverride('LoggingConfig', { LogGroup: logs.logGroupName });
      restrictDefaultSg.node.addDependency(logs);
    }

    const functions = new SecurityGroup(this, 'FunctionsSg', {
      vpc, description: 'StreamVibe Lambdas: HTTPS out, PostgreSQL to the proxy', allowAllOutbound: false,
    });
    functions.addEgressRule(Peer.anyIpv4(), Port.tcp(443), 'AWS endpoints and third-party APIs over HTTPS');
    // PostgreSQL egress goes to the RDS Proxy's security group only: the data stack adds that rule (it owns the group).
    this.functionSecurityGroup = functions;

    const endpoints = new SecurityGroup(this, 'EndpointsSg', {
      vpc, description: 'Interface endpoints: HTTPS from the StreamVibe Lambdas only', allowAllOutbound: false,
    });
    endpoints.addIngressRule(functions, Port.tcp(443), 'HTTPS from the Lambdas');
    const endpoint = (name: string, service: InterfaceVpcEndpointAwsService) => vpc.addInterfaceEndpoint(name, {
      service, privateDnsEnabled: true, open: false, securityGroups: [endpoints],
      subnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
    });
    endpoint('Sqs', InterfaceVpcEndpointAwsService.SQS);
    this.secretsManagerEndpoint = endpoint('SecretsManager', InterfaceVpcEndpointAwsService.SECRETS_MANAGER);
  }
}
