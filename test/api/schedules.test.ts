import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_TAG } from '../../infra/constructs/app-function.ts';
import { startTestApi, type TestApi } from '../api.ts';
import { synthStage } from '../infra/synth.ts';

let api: TestApi;
beforeAll(async () => { api = await startTestApi('api_schedules'); });
afterAll(async () => { await api?.stop(); });

type Resource = { Type: string; Properties?: Record<string, any> };

/** What each EventBridge schedule of a synthesized stage sends: the target Lambda's manifest name and the input. */
async function deployedSchedules(): Promise<string[]> {
  const { templates } = await synthStage('dev');
  const resources = Object.values(templates).flatMap((t) => Object.entries(t.toJSON().Resources as Record<string, Resource>));
  const lambdaName = new Map(resources.filter(([, r]) => r.Type === 'AWS::Lambda::Function')
    .map(([id, r]) => [id, (r.Properties!.Tags as { Key: string; Value: string }[] | undefined)?.find((t) => t.Key === FUNCTION_TAG)?.Value]));
  return resources.filter(([, r]) => r.Type === 'AWS::Scheduler::Schedule')
    .map(([, r]) => `${lambdaName.get(r.Properties!.Target.Arn['Fn::GetAtt'][0])} ${r.Properties!.Target.Input}`);
}

describe('the local scheduler and the CDK app schedule the same invocations', () => {
  it('invokes each feature\'s scheduled Lambda with exactly the input EventBridge Scheduler is configured to send', async () => {
    const { scheduler } = api.stack;
    for (const task of scheduler.tasks) await scheduler.run(task.name);
    const local = scheduler.sent.map(({ lambda, input }) => `${lambda} ${JSON.stringify(input)}`);

    expect(local.length).toBeGreaterThan(5);
    expect(local.sort()).toEqual((await deployedSchedules()).sort());
  });

  it('fails a scheduled Lambda invoked with a task it does not run, naming the tasks it does', async () => {
    const { invokeLambda } = await import('../../local/invoke.ts');
    const { scheduledFunctions } = await import('../../functions/manifest.ts');
    const jobsScheduled = scheduledFunctions().find((f) => f.feature === 'jobs')!;

    await expect(invokeLambda(jobsScheduled, { task: 'category-counts' })).rejects.toThrow(/no scheduled task "category-counts"; this Lambda runs outbox-sweep/);
  });
});
