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
      const dropper = postgres(templateOwnerUrl, { max: 1, ...quiet });
      await dropper.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
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
