/**
 * postgres.js 3.4.9 (the latest release) throws from a setImmediate when a connection closes with a small write still
 * buffered: `TypeError: Cannot read properties of null (reading 'write')` at `nextWrite` (porsager/postgres issues
 * 1066, 1154, 1208; fixes proposed, none released). Uncaught, it ends the process: in AWS the Lambda container, locally
 * the whole stack. patches/postgres+3.4.9.patch fixes it (test/db-connection-loss.test.ts). Tests that cut
 * PostgreSQL's connections count these crashes, so that they can assert there are none rather than have the process
 * die under them; any other uncaught error still reaches vitest.
 */
export function countPostgresJsNullSocketCrashes(): { count: () => number; restore: () => void } {
  const previous = process.listeners('uncaughtException');
  let crashes = 0;
  const isKnownDefect = (error: Error) => error instanceof TypeError && /reading 'write'/.test(error.message)
    && /postgres\/src\/connection\.js/.test(error.stack ?? '') && /nextWrite/.test(error.stack ?? '');
  const listener = (error: Error, origin: NodeJS.UncaughtExceptionOrigin) => {
    if (isKnownDefect(error)) crashes += 1;
    else for (const handler of previous) handler(error, origin);
  };
  process.removeAllListeners('uncaughtException');
  process.on('uncaughtException', listener);
  return {
    count: () => crashes,
    restore: () => {
      process.removeListener('uncaughtException', listener);
      for (const handler of previous) process.on('uncaughtException', handler);
    },
  };
}
