import { readFileSync } from 'node:fs';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { QueueName } from '../../functions/_shared/queues.ts';
import { functions, queueFunctions, queues, type FunctionSpec, type QueueSpec } from '../../functions/manifest.ts';
import { STAGES, stageConfig } from '../../infra/config.ts';
import { JOB_ATTEMPT_FAILED_MESSAGE } from '../../infra/stacks/monitoring-stack.ts';
import { synthStage } from './synth.ts';

type Resource = { Type: string; Properties: Record<string, any>; Metadata?: Record<string, unknown> };
const resources = (t: Template, type: string) => Object.entries(t.findResources(type) as Record<string, Resource>);
const pathOf = (r: Resource) => r.Metadata?.['aws:cdk:path'] as string;
const alarmAt = (t: Template, path: string) => resources(t, 'AWS::CloudWatch::Alarm').filter(([, r]) => pathOf(r) === path);
const metricOf = (alarm: Resource) => alarm.Properties.MetricName ? alarm.Properties : alarm.Properties.Metrics[0].MetricStat.Metric;

/** A feature none of the others has: its own queue and worker (the entry of an existing worker, as bundling is skipped). */
const extraQueue = 'reports' as QueueName;
const model = queueFunctions()[0]!;
const extraWorker: FunctionSpec = { ...model, name: 'reports-worker-reports', feature: 'reports', trigger: { ...model.trigger, queue: extraQueue } };
const extraQueues = { ...queues, [extraQueue]: queues[model.trigger.queue] } as Record<QueueName, QueueSpec>;

let monitoring: Template;
let topicRef: { Ref: string };
beforeAll(async () => {
  const { templates } = await synthStage('dev', { functions: [...functions, extraWorker], queues: extraQueues });
  monitoring = templates['StreamVibe-dev-Monitoring']!;
  const [[topicId]] = resources(monitoring, 'AWS::SNS::Topic') as [[string, Resource]];
  topicRef = { Ref: topicId };
});

describe('monitoring follows the manifest: every Lambda and queue alarms to the topic, the dashboard shows features and jobs', () => {
  it('has one Errors alarm per Lambda of the manifest (a feature added to it included), each to the alarm topic', () => {
    const names = [...functions, extraWorker].map((f) => f.name);
    const dimensions = new Set<string>();
    for (const name of names) {
      const found = alarmAt(monitoring, `StreamVibe-dev-Monitoring/Errors-${name}/Resource`);
      expect(found, name).toHaveLength(1);
      const alarm = found[0]![1];
      expect(metricOf(alarm)).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors' });
      expect(alarm.Properties.AlarmActions).toEqual([topicRef]);
      dimensions.add(JSON.stringify(metricOf(alarm).Dimensions));
    }
    // Each alarm watches its own function.
    expect(dimensions.size).toBe(names.length);
    const errorAlarms = resources(monitoring, 'AWS::CloudWatch::Alarm').filter(([, r]) => metricOf(r).MetricName === 'Errors');
    expect(errorAlarms).toHaveLength(names.length);
  });

  it('has one DLQ-depth alarm per queue of the manifest (a new one included), each to the alarm topic', () => {
    for (const name of Object.keys(extraQueues)) {
      const found = alarmAt(monitoring, `StreamVibe-dev-Monitoring/Dlq-${name}/Resource`);
      expect(found, name).toHaveLength(1);
      const alarm = found[0]![1];
      expect(metricOf(alarm)).toMatchObject({ Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible' });
      expect(alarm.Properties).toMatchObject({ Threshold: stageConfig('dev').alarms.dlqMessages, AlarmActions: [topicRef] });
    }
  });

  it('sends every alarm of the stack to the topic', () => {
    const alarms = resources(monitoring, 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThan(2 * functions.length);
    for (const [id, alarm] of alarms) expect(alarm.Properties.AlarmActions, id).toEqual([topicRef]);
  });

  it('counts each worker\'s failed attempts and failures for good by job kind from the line the worker logs', () => {
    const filters = resources(monitoring, 'AWS::Logs::MetricFilter').map(([, r]) => r.Properties);
    const workers = [...queueFunctions(), extraWorker];
    expect(filters).toHaveLength(2 * workers.length);
    for (const metricName of ['FailedAttempts', 'FailedForGood']) {
      const of = filters.filter((f) => f.MetricTransformations[0].MetricName === metricName);
      expect(of).toHaveLength(workers.length);
      expect(new Set(of.map((f) => JSON.stringify(f.LogGroupName))).size).toBe(workers.length);
      for (const f of of) {
        expect(f.FilterPattern).toContain(`$.message = "${JOB_ATTEMPT_FAILED_MESSAGE}"`);
        expect(f.MetricTransformations[0]).toMatchObject({ MetricNamespace: 'StreamVibe/dev/Jobs', MetricValue: '1', Dimensions: [{ Key: 'kind', Value: '$.kind' }] });
      }
    }
    expect(filters.filter((f) => f.FilterPattern.includes('$.final IS TRUE'))).toHaveLength(workers.length);
    // The filters count nothing unless the worker still writes that line with those fields.
    const worker = readFileSync(new URL('../../functions/jobs/worker.ts', import.meta.url), 'utf8');
    const call = new RegExp(`logger\\.\\w+\\('${JOB_ATTEMPT_FAILED_MESSAGE}', \\{[^}]*\\bkind\\b[^}]*\\bfinal\\b`);
    expect(worker).toMatch(call);
  });

  it('has a dashboard with latency per feature, job duration, throughput and failures per queue', () => {
    const [[, dashboard]] = resources(monitoring, 'AWS::CloudWatch::Dashboard') as [[string, Resource]];
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    const widget = (title: string) => {
      const start = body.indexOf(title);
      expect(start, title).toBeGreaterThan(-1);
      const next = body.indexOf('\\"title\\"', start + title.length);
      return body.slice(start, next === -1 ? undefined : next);
    };

    const latency = widget('Latency per feature: HTTP Lambda duration p95');
    for (const f of functions.filter((fn) => fn.trigger.kind === 'http')) expect(latency, f.feature).toContain(`\\"label\\":\\"${f.feature}\\"`);
    expect(latency.match(/\\"Duration\\"/g)).toHaveLength(functions.filter((fn) => fn.trigger.kind === 'http').length);
    const durations = widget('Job duration per queue');
    const throughput = widget('Job throughput per queue');
    for (const queue of Object.keys(extraQueues)) {
      expect(throughput, queue).toContain(`\\"label\\":\\"${queue} processed\\"`);
      expect(throughput, queue).toContain(`\\"label\\":\\"${queue} sent\\"`);
    }
    expect(throughput).toContain('NumberOfMessagesDeleted');
    const failures = widget('Job failures');
    for (const f of [...queueFunctions(), extraWorker]) {
      const queue = (f.trigger as { queue: string }).queue;
      expect(durations, f.name).toContain(`\\"label\\":\\"${queue}\\"`);
      expect(failures, f.name).toContain(`\\"label\\":\\"${queue} worker errors\\"`);
    }
    expect(failures).toContain('SEARCH(\'{StreamVibe/dev/Jobs,kind} MetricName=\\\\\\"FailedAttempts\\\\\\"');
    expect(failures).toContain('MetricName=\\\\\\"FailedForGood\\\\\\"');
  });
});

describe('the alarm topic\'s subscription follows the stage config', () => {
  it.each(STAGES)('stage %s: subscribed exactly when alarms.email is set', async (stage) => {
    const { templates } = await synthStage(stage);
    const subscriptions = resources(templates[`StreamVibe-${stage}-Monitoring`]!, 'AWS::SNS::Subscription').map(([, r]) => r.Properties);
    const email = stageConfig(stage).alarms.email;
    expect(subscriptions).toEqual(email ? [expect.objectContaining({ Protocol: 'email', Endpoint: email })] : []);
  });

  it('subscribes dev too once its config names an address', async () => {
    const { templates } = await synthStage('dev', { configure: (c) => { c.alarms.email = 'dev-alarms@example.com'; } });
    templates['StreamVibe-dev-Monitoring']!.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'dev-alarms@example.com' });
  });
});
