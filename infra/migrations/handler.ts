/**
 * The deploy-time migration runner: a CloudFormation custom resource (through the custom-resources Provider)
 * that applies db/migrations over the RDS Data API with the same runner as `npm run db:migrate` — ledger,
 * checksums, advisory lock — through the Data API adapter. The SQL files ship next to this bundle.
 *
 * Migrations are forward-only, so only a Create or an Update towards the files this function carries applies
 * anything. A Delete never touches the database; an Update whose fingerprint and target did not change is a no-op;
 * and CloudFormation's rollback of a failed Update (an Update back to the old properties) applies nothing: the
 * failed file was rolled back with its transaction, and what applied before it stays, as the ledger says.
 */
import { fileURLToPath } from 'node:url';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { assertSendableOverDataApi, dataApiMigrationDatabase, type DataApiClient } from '../../db/data-api.ts';
import { ledgerStatus, loadMigrations, migrate, migrationsFingerprint, type Migration, type MigrationDatabase } from '../../db/migrate.ts';

export interface MigrationsProperties {
  ClusterArn: string;
  SecretArn: string;
  DatabaseName: string;
  /** The application login role, which RDS Proxy logs in as with IAM: it needs rds_iam. */
  AppRole: string;
  /** Changes whenever a migration file does, so CloudFormation sends an Update and the runner runs again. */
  MigrationsFingerprint: string;
}

/** What the Provider framework expects back: the same PhysicalResourceId on every Update (never a replacement). */
export interface MigrationsResponse {
  PhysicalResourceId: string;
  Data?: { Applied: number; Latest: string };
}

/** Where the bundling step copies db/migrations/*.sql (next to index.mjs). */
const BUNDLED_MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

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
export async function applyMigrations(db: MigrationDatabase, appRole: string, migrations: Migration[] | string = BUNDLED_MIGRATIONS_DIR) {
  const result = await migrate(db, typeof migrations === 'string' ? await loadMigrations(migrations) : migrations);
  await db.transaction((exec) => exec(grantIamLoginSql(appRole)));
  return result;
}

/** The database a set of properties points at: when it changes, an Update migrates even with the same files. */
const target = (p: MigrationsProperties) => `${p.ClusterArn}|${p.DatabaseName}|${p.AppRole}`;

/** The custom resource's Lambda over a Data API client and a directory of migration files (tests pass their own). */
export function migrationsHandler(options: { client: DataApiClient; migrationsDir: string; log?: (entry: object) => void }) {
  const log = options.log ?? ((entry: object) => console.log(JSON.stringify(entry)));
  return async (event: CloudFormationCustomResourceEvent): Promise<MigrationsResponse> => {
    // The schema outlives the resource (stack deletion, or the rollback of a failed Create): never touch it.
    if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
    const props = event.ResourceProperties as unknown as MigrationsProperties;
    const physicalResourceId = event.RequestType === 'Update' ? event.PhysicalResourceId : `${props.DatabaseName}-schema-migrations`;
    const migrations = await loadMigrations(options.migrationsDir);
    const carried = migrationsFingerprint(migrations);
    const latest = migrations.at(-1)?.name ?? 'none';
    const skip = (reason: string) => {
      log({ message: 'migrations skipped', requestType: event.RequestType, reason });
      return { PhysicalResourceId: physicalResourceId, Data: { Applied: 0, Latest: latest } };
    };

    if (event.RequestType === 'Update') {
      const old = event.OldResourceProperties as unknown as MigrationsProperties;
      if (old.MigrationsFingerprint === props.MigrationsFingerprint && target(old) === target(props)) {
        return skip('neither the migration files nor the database changed');
      }
      // A rollback to the previous properties while this function still carries the newer files.
      if (props.MigrationsFingerprint !== carried) return skip('the properties name other migration files than this function carries (a rollback)');
    } else if (props.MigrationsFingerprint !== carried) {
      throw new Error(`MigrationsFingerprint ${props.MigrationsFingerprint} is not that of the ${migrations.length} bundled files (${carried}): a build defect`);
    }
    assertSendableOverDataApi(migrations);
    const db = dataApiMigrationDatabase(options.client, { resourceArn: props.ClusterArn, secretArn: props.SecretArn, database: props.DatabaseName });
    if (event.RequestType === 'Update' && target(event.OldResourceProperties as unknown as MigrationsProperties) === target(props)) {
      // A rollback once the function's code is back to the old files too, or a deploy of an older commit: the
      // ledger has every file (and maybe newer ones); migrations are forward-only, so there is nothing to do.
      const status = await ledgerStatus(db, migrations);
      if (status.pending.length === 0) {
        return skip(status.unknown.length ? `the database is ahead of these files (${status.unknown.join(', ')} applied)` : 'every file is applied');
      }
    }
    const result = await applyMigrations(db, props.AppRole, migrations);
    log({ message: 'migrations applied', requestType: event.RequestType, ...result });
    return { PhysicalResourceId: physicalResourceId, Data: { Applied: result.applied.length, Latest: latest } };
  };
}

export const handler = migrationsHandler({ client: new RDSDataClient({}), migrationsDir: BUNDLED_MIGRATIONS_DIR });
