/**
 * One cold start, in a fresh Node process (run by cold-init/measure.ts, not imported): imports a bundle, invokes its
 * `handler` once with the event given as JSON, and prints one line, `COLD_INIT {importMs, firstMs, outcome}`.
 * Argument 1: the bundle's file URL; argument 2: the event (JSON); argument 3: the function name.
 *
 * Before the clock starts it loads only what the Lambda runtime has loaded before it imports a function: node:http
 * (and with it net, stream, events), which the runtime interface client talks to the Runtime API with
 * (aws-lambda-nodejs-runtime-interface-client, src/client/rapid-client.ts). Everything else the bundle loads is on
 * the clock.
 */
await import('node:http');
const [bundleUrl, eventJson, functionName] = process.argv.slice(2) as [string, string, string];
const event: unknown = JSON.parse(eventJson);
const requestId = `cold-init-${process.pid}`;
const context = {
  callbackWaitsForEmptyEventLoop: false, functionName, functionVersion: '$LATEST', memoryLimitInMB: '512',
  invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`, awsRequestId: requestId,
  logGroupName: `/aws/lambda/${functionName}`, logStreamName: 'cold-init',
  getRemainingTimeInMillis: () => 10_000, done: () => {}, fail: () => {}, succeed: () => {},
};

/** What the first invocation returned, in a word: the HTTP status, the SQS batch failures, or `ok`. */
function outcomeOf(result: unknown): string {
  const r = result as { statusCode?: number; batchItemFailures?: unknown[] } | undefined;
  if (typeof r?.statusCode === 'number') return String(r.statusCode);
  if (Array.isArray(r?.batchItemFailures)) return `${r.batchItemFailures.length} failed`;
  return 'ok';
}

const startMs = performance.now();
let outcome: string;
let importMs = 0;
try {
  const module = await import(bundleUrl) as { handler: (event: unknown, context: unknown) => Promise<unknown> };
  importMs = performance.now() - startMs;
  outcome = outcomeOf(await module.handler(event, context));
} catch (error) {
  outcome = `error: ${error instanceof Error ? error.message : String(error)}`;
}
const firstMs = performance.now() - startMs - importMs;
// The database client keeps the event loop alive (as a Lambda container would): exit once the line is written.
process.stdout.write(`COLD_INIT ${JSON.stringify({ importMs, firstMs, outcome })}\n`, () => process.exit(0));
