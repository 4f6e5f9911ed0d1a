import { Duration, Stack, Tags } from 'aws-cdk-lib';
import { SubnetType, type ISecurityGroup, type IVpc } from 'aws-cdk-lib/aws-ec2';
import { Architecture, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { QueueName } from '../../functions/_shared/queues.ts';
import type { FunctionSpec } from '../../functions/manifest.ts';
import { secretArnVariable } from '../../functions/_shared/env.ts';
import { removalPolicyOf, type EnvSource, type StageConfig } from '../config.ts';
import type { DatabaseAccess } from '../stacks/data-stack.ts';
import type { SecretsAccess } from '../stacks/secrets-stack.ts';
import { acknowledgeLambdaManagedPolicies, acknowledgeXRayWildcard } from '../nag.ts';
import { functionCode, LAMBDA_NODE_OPTIONS } from './bundling.ts';

/** A job category's queue and its dead-letter queue. */
export interface JobQueue {
  queue: IQueue;
  deadLetterQueue: IQueue;
}

/** What every app function is built against: the stage, the network, the database, the queues, the secrets. */
export interface FunctionPlatform {
  config: StageConfig;
  vpc: IVpc;
  securityGroup: ISecurityGroup;
  database: DatabaseAccess;
  secrets: SecretsAccess;
  /** Filled in by the jobs stack; functions built before it may name no queue. */
  queues: Partial<Record<QueueName, JobQueue>>;
}

/** The tag that names the manifest Lambda a function was built from (tests and dashboards find functions by it). */
export const FUNCTION_TAG = 'streamvibe:function';

export class ManifestConfigError extends Error {
  override name = 'ManifestConfigError';
}

/**
 * One Lambda of a manifest feature, with the defaults every StreamVibe function shares — nodejs24.x on arm64,
 * esbuild bundle (minified, source maps, AWS SDK external), X-Ray tracing, its own log group with the stage's
 * retention, private subnets behind the functions' security group — and exactly the access its feature names:
 * the database (IAM login through RDS Proxy), the queues it sends to (their URLs in JOB_QUEUE_URLS; a worker
 * also gets its own queue's dead-letter queue in JOB_DLQ_URLS, and a feature that redrives gets those DLQs to
 * consume and their queues to send to), the secret families, and its extra environment variables
 * (plain values as they are; secret settings as `<NAME>_SECRET_ARN` plus GetSecretValue on that secret).
 */
export class AppFunction extends Construct {
  readonly function: LambdaFunction;

  constructor(scope: Construct, readonly spec: FunctionSpec, platform: FunctionPlatform) {
    super(scope, spec.name);
    const { config } = platform;
    // Redriving a dead letter sends it back to its queue.
    const redrives = [...new Set(spec.redrives ?? [])].sort();
    const sendsTo = [...new Set([...(spec.sendsTo ?? []), ...redrives])].sort();
    const queues = sendsTo.map((name) => {
      const queue = platform.queues[name];
      if (!queue) throw new ManifestConfigError(`${spec.name} sends to queue ${name}, which the jobs stack did not create (yet)`);
      return [name, queue] as const;
    });
    // A worker dead-letters what fails for good to its own queue's DLQ, and to no other.
    const ownQueue = spec.trigger.kind === 'queue' ? spec.trigger.queue : undefined;
    const deadLetterQueue = ownQueue ? platform.queues[ownQueue]?.deadLetterQueue : undefined;
    if (ownQueue && !deadLetterQueue) throw new ManifestConfigError(`${spec.name} works queue ${ownQueue}, which the jobs stack did not create (yet)`);
    const deadLetterUrls = Object.fromEntries([
      ...(ownQueue && deadLetterQueue ? [[ownQueue, deadLetterQueue.queueUrl]] : []),
      ...redrives.map((name) => [name, platform.queues[name]!.deadLetterQueue.queueUrl]),
    ]);

    // A connection the proxy cannot lend in time must fail the request, not outlive the function.
    if (platform.database.borrowTimeoutSeconds >= spec.timeoutSeconds) {
      throw new ManifestConfigError(`${spec.name}: its timeout (${spec.timeoutSeconds} s) must exceed RDS Proxy's borrow timeout (${platform.database.borrowTimeoutSeconds} s)`);
    }

    const stack = Stack.of(this);
    const environment: Record<string, string> = {
      POWERTOOLS_SERVICE_NAME: 'streamvibe',
      LOG_LEVEL: config.logLevel,
      STREAMVIBE_STAGE: config.stage,
      NODE_OPTIONS: LAMBDA_NODE_OPTIONS,
      ...platform.database.environment,
      // No named prepared statements through RDS Proxy: they would pin each Lambda's connection (functions/_shared/db.ts).
      DB_PREPARE: 'false',
      // Half the function's time: a runaway statement fails (57014) while there is time to roll back and report it.
      DB_STATEMENT_TIMEOUT_MS: String(statementTimeoutMs(spec)),
      ...(queues.length ? { JOB_QUEUE_URLS: stack.toJsonString(Object.fromEntries(queues.map(([n, q]) => [n, q.queue.queueUrl]))) } : {}),
      ...(Object.keys(deadLetterUrls).length ? { JOB_DLQ_URLS: stack.toJsonString(deadLetterUrls) } : {}),
      ...Object.assign({}, ...(spec.secrets ?? []).map((family) => platform.secrets.environment(family))),
    };

    this.function = new LambdaFunction(this, 'Function', {
      code: functionCode(spec.entry),
      handler: 'index.handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      description: spec.description,
      timeout: Duration.seconds(spec.timeoutSeconds),
      memorySize: spec.memoryMb,
      ...(spec.reservedConcurrency === undefined ? {} : { reservedConcurrentExecutions: spec.reservedConcurrency }),
      tracing: Tracing.ACTIVE,
      environment,
      logGroup: new LogGroup(this, 'Logs', {
        retention: config.logRetention,
        removalPolicy: removalPolicyOf(config),
      }),
      vpc: platform.vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [platform.securityGroup],
    });
    Tags.of(this.function).add(FUNCTION_TAG, spec.name);
    for (const name of spec.env ?? []) {
      const source = extraEnvironmentSource(spec, name, platform);
      if ('value' in source) this.function.addEnvironment(name, source.value);
      else this.function.addEnvironment(secretArnVariable(name), platform.secrets.bindEnvironmentSecret(name, this.function));
    }

    platform.database.grantConnect(this.function);
    for (const [, queue] of queues) queue.queue.grantSendMessages(this.function);
    deadLetterQueue?.grantSendMessages(this.function);
    // Inspecting and redriving: receive (with a visibility timeout), change visibility and delete on those DLQs only.
    for (const name of redrives) platform.queues[name]!.deadLetterQueue.grantConsumeMessages(this.function);
    for (const family of spec.secrets ?? []) platform.secrets.grant(family, this.function);

    acknowledgeLambdaManagedPolicies(this, { inVpc: true });
    acknowledgeXRayWildcard(this);
  }
}

/** A transaction's statement_timeout for a function: half its timeout (db/context.ts withCaller applies it). */
export const statementTimeoutMs = (spec: Pick<FunctionSpec, 'timeoutSeconds'>) => spec.timeoutSeconds * 500;

function extraEnvironmentSource(spec: FunctionSpec, name: string, platform: FunctionPlatform): EnvSource {
  const source = platform.config.functionEnvironment[name];
  if (!source) {
    throw new ManifestConfigError(
      `${spec.name} reads ${name}, which infra/config.ts (functionEnvironment) gives no value for stage ${platform.config.stage}`);
  }
  return source;
}
