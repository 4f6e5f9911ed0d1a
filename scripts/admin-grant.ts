/**
 * `npm run admin:grant -- <email> [--role admin|moderator] [--revoke] [--stage dev|staging|prod]`: grants (or revokes)
 * a role in `user_role`; it takes effect at the user's next token (sign in again).
 *
 * Locally it connects as the owner to DATABASE_URL or, when unset, to the `npm start` database (starting the embedded
 * PostgreSQL for the duration when `npm start` is not running). With `--stage` it runs the same statement through the
 * RDS Data API as the cluster's master user, with the operator's AWS credentials (AWS_PROFILE, …):
 * `--cluster-arn` / DB_CLUSTER_ARN (stack StreamVibe-<stage>-Data, cluster streamvibe-<stage>-aurora) and
 * `--secret-arn` / DB_SECRET_ARN (secret streamvibe/<stage>/aurora/master).
 */
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { changeRole, describeRoleChange, GRANTABLE_ROLES, type GrantableRole } from '../db/admin-roles.ts';
import { quiet } from '../db/bootstrap.ts';
import type { MigrationDatabase } from '../db/migrate.ts';
import { postgresMigrationDatabase } from '../db/postgres-adapter.ts';
import { isStage, stageConfig, STAGES } from '../infra/config.ts';

const USAGE = 'usage: npm run admin:grant -- <email> [--role admin|moderator] [--revoke] ' +
  '[--stage dev|staging|prod --cluster-arn <arn> --secret-arn <arn>]';

class UsageError extends Error {
  override name = 'UsageError';
}

type Options = { stage?: string; 'cluster-arn'?: string; 'secret-arn'?: string };

/** Runs `work` against the chosen database and closes whatever it opened. */
async function withDatabase<T>(options: Options, work: (db: MigrationDatabase) => Promise<T>): Promise<T> {
  if (options.stage !== undefined) return work(await dataApiDatabase(options.stage, options));
  const local = await localOwnerConnection();
  const sql = postgres(local.url, { max: 1, ...quiet });
  try {
    return await work(postgresMigrationDatabase(sql));
  } finally {
    await sql.end();
    await local.stop?.();
  }
}

/** DATABASE_URL; else the database of a running `npm start`; else the local database, started for the occasion. */
async function localOwnerConnection(): Promise<{ url: string; stop?: () => Promise<void> }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL };
  const { LOCAL_OWNER_URL, LOCAL_PG_PORT, startLocalDatabase } = await import('../local/database.ts');
  const { assertPortFree } = await import('../local/embedded-postgres.ts');
  const npmStartRunning = await assertPortFree(LOCAL_PG_PORT, '').then(() => false, () => true);
  if (npmStartRunning) return { url: LOCAL_OWNER_URL };
  const started = await startLocalDatabase();
  return { url: started.ownerUrl, stop: started.stop };
}

async function dataApiDatabase(stage: string, options: Options): Promise<MigrationDatabase> {
  if (!isStage(stage)) throw new UsageError(`--stage must be one of ${STAGES.join(', ')}`);
  const resourceArn = options['cluster-arn'] ?? process.env.DB_CLUSTER_ARN ?? '';
  const secretArn = options['secret-arn'] ?? process.env.DB_SECRET_ARN ?? '';
  if (!resourceArn || !secretArn) throw new UsageError('--stage needs --cluster-arn (or DB_CLUSTER_ARN) and --secret-arn (or DB_SECRET_ARN)');
  // A guard against granting on prod with dev in mind: the ARNs must name the stage's cluster and master secret.
  const cluster = `${stageConfig(stage).prefix}-aurora`;
  const secret = `streamvibe/${stage}/aurora/master`;
  if (!resourceArn.endsWith(`:cluster:${cluster}`) || !secretArn.includes(`:secret:${secret}`)) {
    throw new UsageError(`the ARNs do not name stage ${stage}'s cluster (${cluster}) and master secret (${secret})`);
  }
  const { RDSDataClient } = await import('@aws-sdk/client-rds-data');
  const { dataApiMigrationDatabase } = await import('../db/data-api.ts');
  const { DATABASE_NAME } = await import('../infra/stacks/data-stack.ts');
  const region = resourceArn.split(':')[3];
  return dataApiMigrationDatabase(new RDSDataClient({ region }), { resourceArn, secretArn, database: DATABASE_NAME });
}

async function main(): Promise<void> {
  const { values, positionals } = parseCommandLine();
  const [email, ...extra] = positionals;
  if (!email || extra.length > 0) throw new UsageError('give exactly one email');
  if (!GRANTABLE_ROLES.includes(values.role as GrantableRole)) throw new UsageError(`--role must be one of ${GRANTABLE_ROLES.join(', ')}`);
  const change = await withDatabase(values, (db) => changeRole(db, { email, role: values.role as GrantableRole, revoke: values.revoke }));
  const effective = change.change === 'unchanged' ? '' : '; effective at their next sign-in';
  console.log(`${describeRoleChange(change)}${values.stage ? ` [${values.stage}]` : ''}${effective}`);
}

function parseCommandLine() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        role: { type: 'string', default: 'admin' },
        revoke: { type: 'boolean', default: false },
        stage: { type: 'string' },
        'cluster-arn': { type: 'string' },
        'secret-arn': { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);  // an unknown or malformed option
  }
}

try {
  await main();
} catch (error) {
  console.error(error instanceof UsageError ? `${error.message}\n${USAGE}` : error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
