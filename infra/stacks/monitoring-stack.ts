import { ArnFormat, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm, ComparisonOperator, Dashboard, GraphWidget, MathExpression, TextWidget, TreatMissingData, type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { FilterPattern, MetricFilter } from 'aws-cdk-lib/aws-logs';
import type { DatabaseCluster } from 'aws-cdk-lib/aws-rds';
import type { IScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { QueueName } from '../../functions/_shared/queues.ts';
import type { FunctionSpec } from '../../functions/manifest.ts';
import type { StageConfig } from '../config.ts';
import type { AppFunction, JobQueue } from '../constructs/app-function.ts';

export interface MonitoringStackProps extends StackProps {
  config: StageConfig;
  functions: AppFunction[];
  queues: Record<QueueName, JobQueue>;
  api: IHttpApi;
  cluster: DatabaseCluster;
  scheduleGroup: IScheduleGroup;
  scheduleDeadLetterQueue: IQueue;
}

export class MissingAlarmSubscriberError extends Error {
  override name = 'MissingAlarmSubscriberError';
}

const PERIOD = Duration.minutes(5);
/** What the job worker logs once per failed attempt (functions/jobs/worker.ts), with the job's `kind` and `final`. */
export const JOB_ATTEMPT_FAILED_MESSAGE = 'job attempt failed';

/**
 * Alarms (to an SNS topic, mailed to the stage's subscriber, which staging and prod must have) on what needs a human:
 * a message in any DLQ, a function's errors or throttles, failed or dropped scheduled invocations, API 5xx, Aurora CPU
 * and connections; and one dashboard with the same signals plus traffic, latency per feature and job throughput and
 * failures. Everything per function or queue follows the functions and queues given, i.e. the manifest.
 */
export class MonitoringStack extends Stack {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const { config } = props;
    const thresholds = config.alarms;

    if (thresholds.requireSubscriber && !thresholds.email) {
      throw new MissingAlarmSubscriberError(`${config.stage}: alarms.email is required (infra/config.ts, or -c alarmEmail=…): nobody would receive the alarms`);
    }

    // CloudWatch may publish to an encrypted topic only with a customer-managed key that lets it: this account's
    // alarms only (the confused-deputy conditions), for nothing but the data keys of SNS messages.
    const key = new Key(this, 'AlarmTopicKey', { description: `StreamVibe ${config.stage}: alarm topic`, enableKeyRotation: true });
    key.addToResourcePolicy(new PolicyStatement({
      sid: 'CloudWatchAlarmsOfThisAccount',
      principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'aws:SourceAccount': this.account },
        ArnLike: { 'aws:SourceArn': this.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
      },
    }));
    this.topic = new Topic(this, 'Alarms', { displayName: `StreamVibe ${config.stage} alarms`, masterKey: key, enforceSSL: true });
    if (thresholds.email) this.topic.addSubscription(new EmailSubscription(thresholds.email));
    const action = new SnsAction(this.topic);

    const alarm = (id: string, metric: IMetric, threshold: number, description: string, evaluationPeriods = 1) => {
      const created = new Alarm(this, id, {
        metric, threshold, evaluationPeriods, alarmDescription: description,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(action);
      this.alarms.push(created);
      return created;
    };

    const dlqDepth = Object.entries(props.queues).map(([name, { deadLetterQueue }]) => {
      const metric = deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', label: `${name} DLQ` });
      alarm(`Dlq-${name}`, metric, thresholds.dlqMessages, `A ${name} job failed for good: inspect the ${name} DLQ, then redrive or discard`);
      return metric;
    });
    const errors = props.functions.map(({ spec, function: fn }) => {
      const metric = fn.metricErrors({ period: PERIOD, statistic: 'Sum', label: spec.name });
      alarm(`Errors-${spec.name}`, metric, thresholds.lambdaErrors, `${spec.name}: ${thresholds.lambdaErrors}+ errors in 5 minutes`);
      alarm(`Throttles-${spec.name}`, fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }), thresholds.lambdaThrottles,
        `${spec.name} is throttled: account concurrency exhausted or a reserved limit too low`);
      return metric;
    });
    // Schedules: an invocation that failed (after the target's retries), was dropped (too old, or the target gone),
    // reached the schedules' DLQ, or could not even be put there.
    const scheduleFailures = props.scheduleGroup.metricTargetErrors({ period: PERIOD, statistic: 'Sum' });
    alarm('Schedules-TargetErrors', scheduleFailures, 1, 'A scheduled task\'s invocation failed: see the scheduled Lambda\'s logs');
    alarm('Schedules-Dropped', props.scheduleGroup.metricDropped({ period: PERIOD, statistic: 'Sum' }), 1,
      'EventBridge Scheduler dropped a scheduled task\'s invocation (retries or maximum age exhausted): the task did not run');
    alarm('Schedules-FailedToDlq', props.scheduleGroup.metricFailedToBeSentToDLQ(undefined, { period: PERIOD, statistic: 'Sum' }), 1,
      'EventBridge Scheduler could not put a failed invocation in the schedules\' DLQ');
    const scheduleDlq = props.scheduleDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', label: 'schedules DLQ' });
    alarm('Dlq-schedules', scheduleDlq, thresholds.dlqMessages, 'A scheduled task\'s invocation was given up on: inspect the schedules DLQ (the message is the task\'s input)');

    const api5xx = props.api.metricServerError({ period: PERIOD, statistic: 'Sum' });
    alarm('Api5xx', api5xx, thresholds.api5xx, `API: ${thresholds.api5xx}+ server errors in 5 minutes`);
    const cpu = props.cluster.metricCPUUtilization({ period: PERIOD, statistic: 'Average' });
    alarm('AuroraCpu', cpu, thresholds.auroraCpuPercent, `Aurora CPU at ${thresholds.auroraCpuPercent}%+ for 15 minutes`, 3);
    const connections = props.cluster.metricDatabaseConnections({ period: PERIOD, statistic: 'Maximum' });
    alarm('AuroraConnections', connections, thresholds.auroraConnections, `Aurora: ${thresholds.auroraConnections}+ connections`);
    const acu = props.cluster.metricServerlessDatabaseCapacity({ period: PERIOD, statistic: 'Maximum' });

    const jobs = this.jobMetrics(props);

    const dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `${config.prefix}-overview` });
    dashboard.addWidgets(new TextWidget({ markdown: `# StreamVibe ${config.stage}`, width: 24, height: 1 }));
    dashboard.addWidgets(
      new GraphWidget({
        title: 'API requests and errors',
        left: [props.api.metricCount({ period: PERIOD }), props.api.metricClientError({ period: PERIOD }), api5xx], width: 12,
      }),
      new GraphWidget({
        title: 'API latency p90 (ms)',
        left: [props.api.metricLatency({ period: PERIOD, statistic: 'p90' }), props.api.metricIntegrationLatency({ period: PERIOD, statistic: 'p90' })],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({ title: 'Lambda errors', left: errors, width: 12 }),
      new GraphWidget({
        title: 'Queue depth and DLQs',
        left: Object.entries(props.queues).map(([name, { queue }]) =>
          queue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, statistic: 'Maximum', label: name })),
        right: [...dlqDepth, scheduleDlq], width: 12,
      }),
    );
    const durationP95 = (kind: FunctionSpec['trigger']['kind'], label: (spec: FunctionSpec) => string) => props.functions
      .filter(({ spec }) => spec.trigger.kind === kind)
      .map(({ spec, function: fn }) => fn.metricDuration({ period: PERIOD, statistic: 'p95', label: label(spec) }));
    dashboard.addWidgets(
      new GraphWidget({ title: 'Latency per feature: HTTP Lambda duration p95 (ms)', left: durationP95('http', (spec) => spec.feature), width: 12 }),
      new GraphWidget({ title: 'Job duration per queue: worker Lambda duration p95 (ms)', left: durationP95('queue', queueOf), width: 12 }),
    );
    dashboard.addWidgets(
      new GraphWidget({ title: 'Job throughput per queue (messages sent, and processed by the worker)', left: jobs.processed, right: jobs.sent, width: 12 }),
      new GraphWidget({
        title: 'Job failures: failed attempts by kind, failed for good by kind, worker errors',
        left: [jobs.failedAttempts, jobs.failedForGood], right: jobs.workerErrors, width: 12,
      }),
    );
    dashboard.addWidgets(
      new GraphWidget({ title: 'Aurora CPU % and capacity (ACU)', left: [cpu], right: [acu], width: 12 }),
      new GraphWidget({ title: 'Aurora connections', left: [connections], width: 12 }),
    );
  }

  /**
   * Jobs sent and processed per queue (SQS's own metrics: a worker deletes each message it handled), and failures: the
   * workers' errors and, from each worker's log group, its failed attempts by job kind and those that failed for good.
   * Metric filters on the line the worker already writes cost no bundle byte and no cold-start work (EMF through a
   * metrics library would cost both).
   */
  private jobMetrics(props: MonitoringStackProps) {
    const namespace = `StreamVibe/${props.config.stage}/Jobs`;
    const workers = props.functions.filter(({ spec }) => spec.trigger.kind === 'queue');
    for (const { spec, function: fn } of workers) {
      const failed = FilterPattern.stringValue('$.message', '=', JOB_ATTEMPT_FAILED_MESSAGE);
      new MetricFilter(this, `FailedAttempts-${spec.name}`, {
        logGroup: fn.logGroup, filterPattern: failed, metricNamespace: namespace, metricName: 'FailedAttempts',
        metricValue: '1', dimensions: { kind: '$.kind' },
      });
      new MetricFilter(this, `FailedForGood-${spec.name}`, {
        logGroup: fn.logGroup, filterPattern: FilterPattern.all(failed, FilterPattern.booleanValue('$.final', true)),
        metricNamespace: namespace, metricName: 'FailedForGood', metricValue: '1', dimensions: { kind: '$.kind' },
      });
    }
    const byKind = (metricName: string, label: string) => new MathExpression({
      expression: `SEARCH('{${namespace},kind} MetricName="${metricName}"', 'Sum', ${PERIOD.toSeconds()})`, label, period: PERIOD,
    });
    const queues = Object.entries(props.queues);
    return {
      sent: queues.map(([name, { queue }]) => queue.metricNumberOfMessagesSent({ period: PERIOD, statistic: 'Sum', label: `${name} sent` })),
      processed: queues.map(([name, { queue }]) => queue.metricNumberOfMessagesDeleted({ period: PERIOD, statistic: 'Sum', label: `${name} processed` })),
      // CloudWatch's dynamic label: one series per job kind, named after it.
      failedAttempts: byKind('FailedAttempts', "failed attempts: ${PROP('Dim.kind')}"),
      failedForGood: byKind('FailedForGood', "failed for good: ${PROP('Dim.kind')}"),
      workerErrors: workers.map(({ spec, function: fn }) => fn.metricErrors({ period: PERIOD, statistic: 'Sum', label: `${queueOf(spec)} worker errors` })),
    };
  }
}

const queueOf = (spec: FunctionSpec) => (spec.trigger.kind === 'queue' ? spec.trigger.queue : spec.name);
