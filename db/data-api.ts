import {
  BeginTransactionCommand, CommitTransactionCommand, ExecuteStatementCommand, RollbackTransactionCommand,
  type BeginTransactionCommandOutput, type CommitTransactionCommandOutput, type ExecuteStatementCommandOutput,
  type RollbackTransactionCommandOutput, type SqlParameter,
} from '@aws-sdk/client-rds-data';
import type { Migration, MigrationDatabase, SqlExecutor } from './migrate.ts';
import { splitStatements, toNamedParameters, UnsupportedSqlError } from './sql-statements.ts';

/** The four RDS Data API calls the adapter makes: `RDSDataClient` satisfies it, and so does the test's fake. */
export interface DataApiClient {
  send(command: BeginTransactionCommand): Promise<BeginTransactionCommandOutput>;
  send(command: ExecuteStatementCommand): Promise<ExecuteStatementCommandOutput>;
  send(command: CommitTransactionCommand): Promise<CommitTransactionCommandOutput>;
  send(command: RollbackTransactionCommand): Promise<RollbackTransactionCommandOutput>;
}

/** Which cluster, as whom (a Secrets Manager secret with the master user's credentials), in which database. */
export interface DataApiTarget {
  resourceArn: string;
  secretArn: string;
  database: string;
}

/**
 * The migration port over the RDS Data API: a transaction is BeginTransaction … CommitTransaction (or
 * RollbackTransaction when the work throws). The Data API runs one statement per ExecuteStatement, so a script
 * is split into its statements and sent one by one, in order, inside the transaction, without parameters;
 * positional parameters of a single statement become named ones. Rows come back as JSON objects keyed by column name, like postgres.js rows.
 */
export function dataApiMigrationDatabase(client: DataApiClient, target: DataApiTarget): MigrationDatabase {
  const { resourceArn, secretArn, database } = target;
  return {
    async transaction(work) {
      const { transactionId } = await client.send(new BeginTransactionCommand({ resourceArn, secretArn, database }));
      // A statement without values is sent without `parameters`, so that no `:name` in it (a URL or
      // `[[:alpha:]]` in a literal, `discovery:category_counts` in a function body) is taken for a placeholder.
      const execute = async (sql: string, parameters?: SqlParameter[]) => {
        const output = await client.send(new ExecuteStatementCommand({
          resourceArn, secretArn, database, transactionId, sql, ...(parameters ? { parameters } : {}), formatRecordsAs: 'JSON',
        }));
        return output.formattedRecords ? JSON.parse(output.formattedRecords) as Record<string, unknown>[] : [];
      };
      const exec: SqlExecutor = async (text, params) => {
        if (params) return execute(toNamedParameters(text), params.map((value, i) => toSqlParameter(`p${i + 1}`, value)));
        let rows: Record<string, unknown>[] = [];
        for (const statement of splitStatements(text)) rows = await execute(statement);
        return rows;
      };
      try {
        const result = await work(exec);
        await client.send(new CommitTransactionCommand({ resourceArn, secretArn, transactionId }));
        return result;
      } catch (error) {
        // Best effort: should the rollback call fail too, the Data API rolls back a transaction idle for 3 minutes.
        await client.send(new RollbackTransactionCommand({ resourceArn, secretArn, transactionId })).catch(() => undefined);
        throw error;
      }
    },
  };
}

/**
 * Refuses, before anything runs, a migration the adapter could not send statement by statement (COPY … FROM
 * STDIN, a multi-action rule, a psql meta-command, …), naming the file and the statement.
 */
export function assertSendableOverDataApi(migrations: Migration[]): void {
  for (const migration of migrations) {
    try {
      splitStatements(migration.sql);
    } catch (error) {
      if (!(error instanceof UnsupportedSqlError)) throw error;
      throw new UnsupportedSqlError(`${migration.name}.sql cannot be sent over the RDS Data API: ${error.message}`, { cause: error });
    }
  }
}

/** A JavaScript value as a Data API parameter; strings are sent as strings, and the SQL casts where it needs a type. */
export function toSqlParameter(name: string, value: unknown): SqlParameter {
  if (value === null || value === undefined) return { name, value: { isNull: true } };
  if (typeof value === 'boolean') return { name, value: { booleanValue: value } };
  if (typeof value === 'bigint') {
    if (!Number.isSafeInteger(Number(value))) throw new RangeError(`${name}: ${value} does not fit the Data API's longValue; send it as a string and cast`);
    return { name, value: { longValue: Number(value) } };
  }
  if (typeof value === 'number') return { name, value: Number.isInteger(value) ? { longValue: value } : { doubleValue: value } };
  if (typeof value === 'string') return { name, value: { stringValue: value } };
  if (value instanceof Date) return { name, value: { stringValue: value.toISOString().replace('T', ' ').replace('Z', '') }, typeHint: 'TIMESTAMP' };
  return { name, value: { stringValue: JSON.stringify(value) }, typeHint: 'JSON' };
}
