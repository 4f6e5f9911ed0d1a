import { randomUUID } from 'node:crypto';
import type { FunctionSpec, ScheduleTrigger } from '../functions/manifest.ts';
import { lambdaContext, loadHandler } from './invoke.ts';

type ScheduledFunction = FunctionSpec & { trigger: ScheduleTrigger };
type ScheduledHandler = (event: unknown, context: unknown) => Promise<unknown>;

/**
 * EventBridge Scheduler, locally: fires each manifest schedule every `everyMinutes` (never overlapping itself).
 * `run(name)` fires one at once (tests, and `npm start`'s first sweep).
 */
export function startScheduler(functions: ScheduledFunction[], options: { autoStart?: boolean; log?: (line: string) => void } = {}) {
  const running = new Map<string, Promise<unknown>>();
  const run = (name: string): Promise<unknown> => {
    const fn = functions.find((f) => f.name === name);
    if (!fn) return Promise.reject(new Error(`no schedule ${name}`));
    if (running.has(name)) return running.get(name)!;
    const invocation = loadHandler<ScheduledHandler>(fn)
      .then((handler) => handler({ source: 'aws.scheduler', 'detail-type': 'Scheduled Event', time: new Date().toISOString() },
        lambdaContext(fn, randomUUID())))
      .catch((error: Error) => { options.log?.(`[scheduler] ${name} failed: ${error.message}`); throw error; })
      .finally(() => running.delete(name));
    running.set(name, invocation);
    return invocation;
  };
  const timers = options.autoStart === false ? [] : functions.map((fn) =>
    setInterval(() => { run(fn.name).catch(() => {}); }, fn.trigger.everyMinutes * 60_000));
  return {
    run,
    stop: async () => {
      timers.forEach(clearInterval);
      await Promise.allSettled([...running.values()]);
    },
  };
}
