import { rm } from 'node:fs/promises';
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
  const tempDir = process.env.DATABASE_URL ? undefined : await makeClusterTempDir('sv-test-');
  const cluster = tempDir
    ? await startEmbeddedPostgres({ dataDir: join(tempDir, 'pg'), port: await findFreePort(), persistent: false })
    : undefined;
  const teardown = async () => {
    await cluster?.stop();
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
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
