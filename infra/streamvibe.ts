/**
 * The whole StreamVibe deployment of one stage, as stacks. infra/app.ts calls it with the manifest; tests call it
 * with their own App (and, to test a construct's rules, their own manifest entries).
 */
import { Tags, type App } from 'aws-cdk-lib';
import type { Migration } from '../db/migrate.ts';
import type { QueueName } from '../functions/_shared/queues.ts';
import { functions as manifestFunctions, queues as manifestQueues, type FunctionSpec, type QueueSpec } from '../functions/manifest.ts';
import { withSiteEnvironment, type StageConfig } from './config.ts';
import type { FunctionPlatform } from './constructs/app-function.ts';
import { ApiStack } from './stacks/api-stack.ts';
import { AuthStack } from './stacks/auth-stack.ts';
import { DataStack } from './stacks/data-stack.ts';
import { EdgeStack } from './stacks/edge-stack.ts';
import { JobsStack } from './stacks/jobs-stack.ts';
import { MonitoringStack } from './stacks/monitoring-stack.ts';
import { NetworkStack } from './stacks/network-stack.ts';
import { SecretsStack } from './stacks/secrets-stack.ts';

export interface StreamVibeProps {
  config: StageConfig;
  migrations: Migration[];
  functions?: FunctionSpec[];
  queues?: Record<QueueName, QueueSpec>;
  /** ACM certificate of the stage's API domain (`-c apiCertificateArn=…`). */
  apiCertificateArn?: string;
}

/**
 * Stacks and why they are split so: network and data change rarely and hold state; secrets are shared by any
 * function; jobs owns the queues the API's functions send to (so it comes before the API); auth owns the user
 * pool and its trigger (the API only reads the pool's ids); the edge (CloudFront) fronts the API; monitoring reads
 * everything and nothing reads it. References flow one way (network → data → secrets → jobs → auth → api → edge,
 * monitoring), so there is no cycle.
 */
export function createStreamVibe(app: App, props: StreamVibeProps) {
  // PUBLIC_SITE_URL and INDEXNOW_KEY follow config.site, however the caller adjusted it.
  const config = withSiteEnvironment(props.config);
  const functions = props.functions ?? manifestFunctions;
  const queues = props.queues ?? manifestQueues;
  const stackId = (name: string) => `StreamVibe-${config.stage}-${name}`;
  const byKind = (...kinds: FunctionSpec['trigger']['kind'][]) => functions.filter((f) => kinds.includes(f.trigger.kind));

  const network = new NetworkStack(app, stackId('Network'), { config, description: `StreamVibe ${config.stage}: VPC, endpoints, flow logs` });
  const data = new DataStack(app, stackId('Data'), {
    config, vpc: network.vpc, functionSecurityGroup: network.functionSecurityGroup,
    secretsManagerEndpoint: network.secretsManagerEndpoint, migrations: props.migrations,
    description: `StreamVibe ${config.stage}: Aurora PostgreSQL 17, RDS Proxy, deploy-time migrations`,
  });
  const secrets = new SecretsStack(app, stackId('Secrets'), { config, description: `StreamVibe ${config.stage}: OAuth token key, app config secret` });
  const platform: FunctionPlatform = {
    config, vpc: network.vpc, securityGroup: network.functionSecurityGroup, database: data.database, secrets: secrets.access, queues: {},
  };
  const jobs = new JobsStack(app, stackId('Jobs'), {
    platform, queues, functions: byKind('queue', 'schedule'),
    description: `StreamVibe ${config.stage}: job queues, workers, schedules`,
  });
  const withQueues: FunctionPlatform = { ...platform, queues: jobs.queues };
  const auth = new AuthStack(app, stackId('Auth'), {
    platform: withQueues, functions: byKind('cognito'), description: `StreamVibe ${config.stage}: Cognito user pool`,
  });
  const api = new ApiStack(app, stackId('Api'), {
    platform: withQueues, functions: byKind('http'), userPool: auth.userPool, userPoolClient: auth.client,
    certificateArn: props.apiCertificateArn, description: `StreamVibe ${config.stage}: HTTP API`,
  });
  const edge = new EdgeStack(app, stackId('Edge'), {
    config, api: api.api, functions: byKind('http'), originSecret: secrets.environmentSecrets.EDGE_ORIGIN_SECRET!,
    description: `StreamVibe ${config.stage}: CloudFront in front of the site and the API`,
  });
  // Functions read their secret settings by the secrets' ARNs: deploy those first.
  for (const stack of [jobs, auth, api]) stack.addStackDependency(secrets);
  const monitoring = new MonitoringStack(app, stackId('Monitoring'), {
    config, functions: [...jobs.functions, ...auth.functions, ...api.functions], queues: jobs.queues, api: api.api,
    cluster: data.cluster, scheduleGroup: jobs.scheduleGroup, scheduleDeadLetterQueue: jobs.scheduleDeadLetterQueue, description: `StreamVibe ${config.stage}: alarms and dashboard`,
  });

  Tags.of(app).add('project', 'streamvibe');
  Tags.of(app).add('stage', config.stage);
  return { network, data, secrets, jobs, auth, api, edge, monitoring };
}
