import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import type { FunctionSpec } from '../functions/manifest.ts';

const REPO_ROOT = resolve(import.meta.dirname, '..');
const loaded = new Map<string, Promise<unknown>>();

/** Imports a manifest entry's handler once, like a Lambda cold start. */
export function loadHandler<H>(fn: FunctionSpec): Promise<H> {
  if (!loaded.has(fn.name)) {
    const exportName = fn.handler ?? 'handler';
    loaded.set(fn.name, import(pathToFileURL(resolve(REPO_ROOT, fn.entry)).href).then((module: Record<string, unknown>) => {
      if (typeof module[exportName] !== 'function') throw new Error(`${fn.entry} does not export ${exportName}`);
      return module[exportName];
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
