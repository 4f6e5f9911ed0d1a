/**
 * The deploy-time migration runner: a CloudFormation custom resource (through the custom-resources Provider)
 * that applies db/migrations over the RDS Data API with the same runner as `npm run db:migrate` — ledger,
 * checksums, advisory lock — through the Data API adapter. The SQL files ship next to this bundle.
 */
import { fileURLToPath } from 'node:url';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { dataApiMigrationDatabase } from '../../db/data-api.ts';
import { loadMigrations, migrate, type MigrationDatabase } from '../../db/migrate.ts';

export interface MigrationsProperties {
  ClusterArn: string;
  SecretArn: string;
  DatabaseName: string;
  /** The application login role, which RDS Proxy logs in as with IAM: it needs rds_iam. */
  AppRole: string;
  /** Changes whenever a migration file does, so CloudFormation sends an Update and the runner runs again. */
  MigrationsFingerprint: string;
}

/** Where the bundling step copies db/migrations/*.sql (next to index.mjs). */
const BUNDLED_MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

const client = new RDSDataClient({});

/** Gives the app role IAM login: only where the rds_iam role exists (Aurora), never locally. Idempotent. */
export const grantIamLoginSql = (role: string) => `
  DO $grant$
  BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'rds_iam') THEN
      EXECUTE format('GRANT rds_iam TO %I', '${role.replaceAll("'", "''")}');
    END IF;
  END
  $grant$`;

/** Applies pending migrations, then makes sure the app role may log in with IAM. */
export async function applyMigrations(db: MigrationDatabase, appRole: string, dir = BUNDLED_MIGRATIONS_DIR) {
  const result = await migrate(db, await loadMigrations(dir));
  await db.transaction((exec) => exec(grantIamLoginSql(appRole)));
  return result;
}

export async function handler(event: CloudFormationCustomResourceEvent) {
  const props = event.ResourceProperties as unknown as MigrationsProperties & { ServiceToken: string };
  const physicalResourceId = `${props.DatabaseName}-schema-migrations`;
  // Migrations are append-only and the schema outlives the resource: a Delete (stack or resource removal) is a no-op.
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
  const db = dataApiMigrationDatabase(client, { resourceArn: props.ClusterArn, secretArn: props.SecretArn, database: props.DatabaseName });
  const result = await applyMigrations(db, props.AppRole);
  console.log(JSON.stringify({ message: 'migrations applied', ...result }));
  return {
    PhysicalResourceId: physicalResourceId,
    Data: { Applied: result.applied.length, Latest: [...result.skipped, ...result.applied].sort().at(-1) ?? 'none' },
  };
}
