import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { logger } from './logger.ts';

/** A periodic task of a feature: its schedule, declared beside its code (EventBridge Scheduler in AWS, the local scheduler under npm start). */
export interface TaskSpec {
  /** Unique across features; the input names it, so one scheduled Lambda per feature serves all its tasks. */
  name: string;
  everyMinutes: number;
  description: string;
}
export type Task = TaskSpec & { run: () => Promise<unknown> };

export const defineTask = (spec: TaskSpec, run: () => Promise<unknown>): Task => ({ ...spec, run });

/** What a schedule passes its Lambda: the CDK app configures exactly this, and the local scheduler sends exactly this. */
export interface ScheduleInput {
  task: string;
}
export const scheduleInput = (task: TaskSpec): ScheduleInput => ({ task: task.name });

export class UnknownTaskError extends Error {
  override name = 'UnknownTaskError';
}

/** A feature's scheduled Lambda: runs the task its schedule's input names, logging the outcome with the request id. */
export function scheduledHandler(tasks: readonly Task[]) {
  const byName = new Map(tasks.map((task) => [task.name, task]));
  return middy<ScheduleInput, unknown, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (input) => {
      const task = byName.get(input?.task);
      if (!task) throw new UnknownTaskError(`no scheduled task ${JSON.stringify(input?.task)}; this Lambda runs ${[...byName.keys()].join(', ')}`);
      logger.appendKeys({ task: task.name });
      const result = await task.run();
      logger.info('scheduled task done', { result: result as Record<string, unknown> });
      return result;
    });
}
