import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import type { Context } from 'aws-lambda';
import type { FunctionSpec } from '../functions/manifest.ts';

const REPO_ROOT = resolve(import.meta.dirname, '..');
const loaded = new Map<string, Promise<unknown>>();

/**
 * How many invocations one local process runs at once: every local Lambda shares the process, as a Lambda Managed
 * Instance's execution environment does, so the runtime's per-invocation store is on (see invokeLambda).
 */
const LOCAL_MAX_CONCURRENCY = '64';

/** Imports a Lambda's handler once, like a cold start. */
export function loadHandler<H>(fn: FunctionSpec): Promise<H> {
  if (!loaded.has(fn.name)) {
    loaded.set(fn.name, import(pathToFileURL(resolve(REPO_ROOT, fn.entry)).href).then((module: Record<string, unknown>) => {
      if (typeof module.handler !== 'function') throw new Error(`${fn.entry} does not export handler`);
      return module.handler;
    }));
  }
  return loaded.get(fn.name) as Promise<H>;
}

/** The Lambda context a handler gets, with the manifest's name, memory and timeout. */
export function lambdaContext(fn: FunctionSpec, requestId: string): Context {
  const deadline = Date.now() + fn.timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false, functionName: fn.name, functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${fn.name}`, memoryLimitInMB: String(fn.memoryMb),
    awsRequestId: requestId, logGroupName: `/aws/lambda/${fn.name}`, logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
    done: () => {}, fail: () => {}, succeed: () => {},
  };
}

let store: Promise<Awaited<ReturnType<typeof InvokeStore.getInstanceAsync>>> | undefined;

/**
 * Invokes a Lambda's handler as the Node.js runtime does when invocations run concurrently in one environment: inside
 * its InvokeStore (an AsyncLocalStorage) holding the request id, so per-invocation state such as the Powertools
 * logger's request id and keys stays with its own request however many run at once.
 */
export async function invokeLambda<R>(fn: FunctionSpec, event: unknown, requestId: string = randomUUID()): Promise<R> {
  process.env.AWS_LAMBDA_MAX_CONCURRENCY ??= LOCAL_MAX_CONCURRENCY;
  store ??= InvokeStore.getInstanceAsync(true);
  const invokeStore = await store;
  const handler = await loadHandler<(event: unknown, context: Context) => Promise<R>>(fn);
  return invokeStore.run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: requestId }, () => handler(event, lambdaContext(fn, requestId)));
}
