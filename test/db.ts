import { randomUUID } from 'node:crypto';
import postgres, { type Sql } from 'postgres';
import { inject } from 'vitest';
import { APP_ROLE, type Claims } from '../db/roles.ts';
import { connectionUrl, quiet } from '../db/bootstrap.ts';
import { TEMPLATE_DATABASE, TEST_APP_PASSWORD } from './constants.ts';

export interface TestDatabase {
  name: string;
  /** The migration owner (Aurora master user analogue): DDL and fixtures that bypass the API. */
  owner: Sql;
  /** The application login role; use `withCaller`/`asUser`/`asAnon`/`asService` to act as a caller. */
  app: Sql;
  url: { owner: string; app: string };
  drop(): Promise<void>;
}

/** Clones the migrated template into a fresh database for one test file (fast: a file copy, no migrations). */
export async function createTestDatabase(label: string, options: { max?: number } = {}): Promise<TestDatabase> {
  const templateOwnerUrl = inject('templateOwnerUrl');
  const name = `t_${label.replace(/\W+/g, '_').toLowerCase()}_${randomUUID().slice(0, 8)}`;
  const creator = postgres(templateOwnerUrl, { max: 1, ...quiet });
  await creator.unsafe(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DATABASE}`);
  await creator.end();
  const ownerUrl = connectionUrl(templateOwnerUrl, { database: name });
  const appUrl = connectionUrl(ownerUrl, { user: APP_ROLE, password: TEST_APP_PASSWORD });
  const owner = postgres(ownerUrl, { max: 4, ...quiet });
  const app = postgres(appUrl, { max: options.max ?? 10, ...quiet });
  return {
    name,
    owner,
    app,
    url: { owner: ownerUrl, app: appUrl },
    async drop() {
      await Promise.all([owner.end(), app.end()]);
      await dropDatabase(templateOwnerUrl, name);
    },
  };
}

/** Claims for a user id, shaped like a Cognito ID token. */
export const claimsFor = (sub: string, email = `${sub.slice(0, 8)}@example.com`, groups: string[] = []): Claims => ({
  sub,
  email,
  'cognito:groups': groups,
  token_use: 'id',
});

const DROP_ATTEMPTS = 20;
const DROP_RETRY_MS = 250;

/**
 * Drops a scratch database as the (non-superuser) owner. FORCE ends the other sessions, but a non-superuser may not end
 * an autovacuum worker that happens to be analyzing the new database (42501 "permission denied to terminate process"):
 * it finishes within moments, so the drop is retried.
 */
export async function dropDatabase(ownerUrl: string, name: string): Promise<void> {
  const dropper = postgres(ownerUrl, { max: 1, ...quiet });
  try {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await dropper.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== '42501' || attempt === DROP_ATTEMPTS) throw error;
        await new Promise((done) => setTimeout(done, DROP_RETRY_MS));
      }
    }
  } finally {
    await dropper.end();
  }
}
