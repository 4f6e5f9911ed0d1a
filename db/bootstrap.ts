import postgres from 'postgres';
import { APP_ROLE, OWNER_ROLE } from './roles.ts';
import { loadMigrations, migrate, type MigrateResult } from './migrate.ts';
import { postgresMigrationDatabase } from './postgres-adapter.ts';

/** Replaces user, password and database in a connection string. */
export function connectionUrl(base: string, parts: { user?: string; password?: string; database?: string }): string {
  const url = new URL(base);
  if (parts.user) url.username = parts.user;
  if (parts.password) url.password = parts.password;
  if (parts.database) url.pathname = `/${parts.database}`;
  return url.toString();
}

export const quiet = { onnotice: () => {} };

/**
 * Creates (idempotently) the Aurora-like owner role and a database it owns. Locally this is what Aurora's
 * cluster creation does for us: the owner is LOGIN NOSUPERUSER CREATEDB CREATEROLE, never BYPASSRLS.
 */
export async function bootstrapDatabase(superuserUrl: string, database: string, ownerPassword: string): Promise<string> {
  const sql = postgres(superuserUrl, { max: 1, ...quiet });
  try {
    const [owner] = await sql`SELECT 1 FROM pg_roles WHERE rolname = ${OWNER_ROLE}`;
    if (!owner) {
      await sql.unsafe(`CREATE ROLE ${OWNER_ROLE} LOGIN NOSUPERUSER CREATEDB CREATEROLE NOBYPASSRLS PASSWORD '${ownerPassword.replaceAll("'", "''")}'`);
    }
    // Without superuser (DATABASE_URL an RDS/Aurora master user), CREATE DATABASE … OWNER needs SET on the owner
    // role, and dropping its databases needs its privileges; creating the role gave us only ADMIN on it.
    const [me] = await sql<{ rolsuper: boolean; member: boolean }[]>`
      SELECT rolsuper, pg_has_role(current_user, ${OWNER_ROLE}, 'SET') AND pg_has_role(current_user, ${OWNER_ROLE}, 'USAGE') AS member
      FROM pg_roles WHERE rolname = current_user`;
    if (!me!.rolsuper && !me!.member) await sql.unsafe(`GRANT ${OWNER_ROLE} TO CURRENT_USER WITH INHERIT TRUE, SET TRUE`);
    const [db] = await sql`SELECT 1 FROM pg_database WHERE datname = ${database}`;
    if (!db) await sql.unsafe(`CREATE DATABASE "${database}" OWNER ${OWNER_ROLE}`);
  } finally {
    await sql.end();
  }
  return connectionUrl(superuserUrl, { user: OWNER_ROLE, password: ownerPassword, database });
}

/** Applies db/migrations as the owner, then gives the app login role a local password (AWS uses IAM auth instead). */
export async function migrateDatabase(ownerUrl: string, appPassword?: string): Promise<MigrateResult> {
  const sql = postgres(ownerUrl, { max: 1, ...quiet });
  try {
    const result = await migrate(postgresMigrationDatabase(sql), await loadMigrations());
    if (appPassword) await sql.unsafe(`ALTER ROLE ${APP_ROLE} PASSWORD '${appPassword.replaceAll("'", "''")}'`);
    return result;
  } finally {
    await sql.end();
  }
}
