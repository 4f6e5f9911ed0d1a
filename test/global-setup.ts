import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { bootstrapDatabase, migrateDatabase, quiet } from '../db/bootstrap.ts';
import { startEmbeddedPostgres } from '../local/embedded-postgres.ts';
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
  const cluster = process.env.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres({
        dataDir: join(await mkdtemp(join(tmpdir(), 'sv-test-')), 'pg'),
        port: 55000 + Math.floor(Math.random() * 5000),
        persistent: false,
      });
  const superuserUrl = process.env.DATABASE_URL ?? cluster!.superuserUrl;
  const admin = postgres(superuserUrl, { max: 1, ...quiet });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
  await admin.end();
  const templateOwnerUrl = await bootstrapDatabase(superuserUrl, TEMPLATE_DATABASE, TEST_OWNER_PASSWORD);
  await migrateDatabase(templateOwnerUrl, TEST_APP_PASSWORD);
  project.provide('superuserUrl', superuserUrl);
  project.provide('templateOwnerUrl', templateOwnerUrl);
  return async () => {
    await cluster?.stop();
  };
}
