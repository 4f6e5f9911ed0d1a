import { scheduleInput, type TaskSpec } from '../functions/_shared/task.ts';
import type { FunctionSpec, ScheduleTrigger } from '../functions/manifest.ts';
import { invokeLambda } from './invoke.ts';

type ScheduledFunction = FunctionSpec & { trigger: ScheduleTrigger };

/**
 * EventBridge Scheduler, locally: fires each task of each feature's scheduled Lambda every `everyMinutes` (never
 * overlapping itself), invoking the Lambda with exactly the input the CDK app configures (`scheduleInput`).
 * `run(task)` fires one at once (tests, and `npm start`'s first sweep).
 */
export function startScheduler(functions: ScheduledFunction[], options: { autoStart?: boolean; log?: (line: string) => void } = {}) {
  const schedules = functions.flatMap((fn) => fn.trigger.tasks.map((task) => ({ fn, task })));
  const running = new Map<string, Promise<unknown>>();
  /** Every invocation's input, newest last (what the CDK app's schedules would have sent). */
  const sent: { lambda: string; input: ReturnType<typeof scheduleInput> }[] = [];
  const run = (name: string): Promise<unknown> => {
    const schedule = schedules.find((s) => s.task.name === name);
    if (!schedule) return Promise.reject(new Error(`no scheduled task ${name}`));
    if (running.has(name)) return running.get(name)!;
    const input = scheduleInput(schedule.task);
    sent.push({ lambda: schedule.fn.name, input });
    const invocation = invokeLambda(schedule.fn, input)
      .catch((error: Error) => { options.log?.(`[scheduler] ${name} failed: ${error.message}`); throw error; })
      .finally(() => running.delete(name));
    running.set(name, invocation);
    return invocation;
  };
  const timers = options.autoStart === false ? [] : schedules.map(({ task }: { task: TaskSpec }) =>
    setInterval(() => { run(task.name).catch(() => {}); }, task.everyMinutes * 60_000));
  return {
    run,
    sent,
    tasks: schedules.map((s) => s.task),
    stop: async () => {
      timers.forEach(clearInterval);
      await Promise.allSettled([...running.values()]);
    },
  };
}
