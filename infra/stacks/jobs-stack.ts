import { Duration, Stack, Validations, type CfnResource, type StackProps } from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Schedule, ScheduleExpression, ScheduleGroup, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { QueueName } from '../../functions/_shared/queues.ts';
import { scheduleInput } from '../../functions/_shared/task.ts';
import type { FunctionSpec, QueueSpec, QueueTrigger, ScheduleTrigger } from '../../functions/manifest.ts';
import { acknowledgeInvokeVersions } from '../nag.ts';
import { AppFunction, ManifestConfigError, type FunctionPlatform, type JobQueue } from '../constructs/app-function.ts';

export interface JobsStackProps extends StackProps {
  platform: FunctionPlatform;
  queues: Record<QueueName, QueueSpec>;
  /** The features' workers and scheduled Lambdas. */
  functions: FunctionSpec[];
}

/** How long a DLQ keeps a message: the SQS maximum, for inspection and redrive. */
const DLQ_RETENTION = Duration.days(14);
/** SQS requires a visibility timeout of at least the worker's timeout; the manifest promises six times. */
const VISIBILITY_TO_TIMEOUT_RATIO = 6;

/**
 * The job system's AWS half: one SQS queue and dead-letter queue per job category (redrive after the manifest's
 * maxReceiveCount), each worker fed by an SQS event source that reports partial batch failures, and each feature's
 * tasks as EventBridge Scheduler `rate(...)` schedules (in one group per stage) invoking the feature's scheduled Lambda
 * with the task's input; an invocation the Scheduler gives up on lands in the schedules' dead-letter queue.
 */
export class JobsStack extends Stack {
  readonly queues: Record<QueueName, JobQueue>;
  readonly functions: AppFunction[] = [];
  /** Every schedule of the stage: the group's metrics count their failed and dropped invocations. */
  readonly scheduleGroup: ScheduleGroup;
  /** Where the Scheduler puts an invocation it gave up on (retries exhausted, or older than its maximum age). */
  readonly scheduleDeadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: JobsStackProps) {
    super(scope, id, props);
    const { config } = props.platform;
    this.scheduleGroup = new ScheduleGroup(this, 'Schedules', { scheduleGroupName: `${config.prefix}-schedules` });
    this.scheduleDeadLetterQueue = new Queue(this, 'schedules-dlq', {
      retentionPeriod: DLQ_RETENTION, encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true,
    });
    Validations.of(this.scheduleDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the EventBridge Scheduler targets\' dead-letter queue (the target\'s DeadLetterConfig, which cdk-nag does not see); a DLQ has no DLQ.',
    });
    const entries = Object.entries(props.queues) as [QueueName, QueueSpec][];
    this.queues = Object.fromEntries(entries.map(([name, spec]) => [name, this.jobQueue(name, spec)])) as Record<QueueName, JobQueue>;
    const platform: FunctionPlatform = { ...props.platform, queues: { ...props.platform.queues, ...this.queues } };

    for (const spec of props.functions) {
      if (spec.trigger.kind === 'queue') this.worker(spec as FunctionSpec & { trigger: QueueTrigger }, platform, props.queues);
      else if (spec.trigger.kind === 'schedule') this.scheduled(spec as FunctionSpec & { trigger: ScheduleTrigger }, platform);
      else throw new ManifestConfigError(`${spec.name}: the jobs stack builds queue and schedule functions, not ${spec.trigger.kind}`);
    }
  }

  private jobQueue(name: QueueName, spec: QueueSpec): JobQueue {
    const deadLetterQueue = new Queue(this, `${name}-dlq`, {
      retentionPeriod: DLQ_RETENTION, encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true,
    });
    const queue = new Queue(this, `${name}-queue`, {
      visibilityTimeout: Duration.seconds(spec.visibilityTimeoutSeconds),
      retentionPeriod: Duration.seconds(spec.retentionSeconds),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: spec.maxReceiveCount },
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    return { queue, deadLetterQueue };
  }

  private worker(spec: FunctionSpec & { trigger: QueueTrigger }, platform: FunctionPlatform, queueSpecs: Record<QueueName, QueueSpec>) {
    const { queue: name, batchSize, maxBatchingWindowSeconds, maxConcurrency } = spec.trigger;
    const visibility = queueSpecs[name].visibilityTimeoutSeconds;
    if (visibility < VISIBILITY_TO_TIMEOUT_RATIO * spec.timeoutSeconds) {
      throw new ManifestConfigError(`${spec.name}: queue ${name}'s visibility timeout (${visibility} s) must be at least ` +
        `${VISIBILITY_TO_TIMEOUT_RATIO}× the worker's timeout (${spec.timeoutSeconds} s), or SQS redelivers running jobs`);
    }
    const fn = new AppFunction(this, spec, platform);
    fn.function.addEventSource(new SqsEventSource(this.queues[name].queue, {
      batchSize,
      maxBatchingWindow: Duration.seconds(maxBatchingWindowSeconds),
      maxConcurrency,
      reportBatchItemFailures: true,
    }));
    this.functions.push(fn);
  }

  /** A feature's scheduled Lambda, and one schedule per task whose input names the task (as the local scheduler sends it). */
  private scheduled(spec: FunctionSpec & { trigger: ScheduleTrigger }, platform: FunctionPlatform) {
    const fn = new AppFunction(this, spec, platform);
    for (const task of spec.trigger.tasks) {
      const schedule = new Schedule(this, `${task.name}-schedule`, {
        description: task.description,
        scheduleGroup: this.scheduleGroup,
        schedule: ScheduleExpression.rate(Duration.minutes(task.everyMinutes)),
        target: new LambdaInvoke(fn.function, {
          input: ScheduleTargetInput.fromObject(scheduleInput(task)),
          retryAttempts: 2,
          deadLetterQueue: this.scheduleDeadLetterQueue,
          // A run older than the period is superseded by the next one.
          maxEventAge: Duration.minutes(Math.min(Math.max(task.everyMinutes, 1), 60)),
        }),
      });
      // The schedule names its group (no reference), so CloudFormation must be told to create the group first.
      schedule.node.addDependency(this.scheduleGroup);
    }
    // The Scheduler's invoke role lives at stack level (one per target), so the acknowledgement does too.
    acknowledgeInvokeVersions(this, fn.function.node.defaultChild as CfnResource, `EventBridge Scheduler (${spec.name})`);
    this.functions.push(fn);
  }
}

