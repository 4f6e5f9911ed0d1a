import { randomUUID } from 'node:crypto';
import {
  BeginTransactionCommand, CommitTransactionCommand, DatabaseErrorException, ExecuteStatementCommand,
  RollbackTransactionCommand, type SqlParameter,
} from '@aws-sdk/client-rds-data';
import postgres, { type ReservedSql, type Sql } from 'postgres';
import { dropDatabase } from './db.ts';
import { expect, inject, onTestFinished } from 'vitest';
import { bootstrapDatabase, quiet } from '#db/bootstrap.ts';
import { dataApiMigrationDatabase, type DataApiClient } from '#db/data-api.ts';
import { TEST_OWNER_PASSWORD } from '#test/constants.ts';

export type Call =
  | { command: 'BeginTransaction'; transactionId: string }
  /** `parameters` is undefined when the call sent none (not even an empty list). */
  | { command: 'ExecuteStatement'; transactionId: string; sql: string; parameters?: SqlParameter[] }
  | { command: 'CommitTransaction' | 'RollbackTransaction'; transactionId: string };

export const TARGET = { resourceArn: 'arn:aws:rds:eu-west-1:123456789012:cluster:streamvibe-test', secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:master', database: 'streamvibe' };

/**
 * A stand-in for the RDS Data API, backed by a real PostgreSQL connection per transaction. Like the service, it
 * runs one statement per ExecuteStatement (extended protocol: PostgreSQL itself rejects a second statement),
 * binds `:name` parameters with the types the service gives them (a string is varchar, a long is bigint) and
 * returns rows as JSON. Every call is recorded. Where the service's own parser is not documented, it assumes the
 * worst: when a call sends `parameters` (even an empty list), every `:name` in the text is a placeholder, inside
 * string literals and dollar-quoted bodies too, and one without a value fails the call.
 */
export class FakeDataApi {
  readonly calls: Call[] = [];
  private readonly open = new Map<string, ReservedSql>();
  constructor(private readonly sql: Sql) {}

  async send(command: unknown): Promise<unknown> {
    if (command instanceof BeginTransactionCommand) {
      expect(command.input).toEqual(TARGET);
      const connection = await this.sql.reserve();
      await connection.unsafe('BEGIN');
      const transactionId = randomUUID();
      this.open.set(transactionId, connection);
      this.calls.push({ command: 'BeginTransaction', transactionId });
      return { transactionId, $metadata: {} };
    }
    if (command instanceof ExecuteStatementCommand) {
      const { sql: text, parameters, transactionId } = command.input;
      expect(command.input).toMatchObject({ resourceArn: TARGET.resourceArn, secretArn: TARGET.secretArn, database: TARGET.database, formatRecordsAs: 'JSON' });
      this.calls.push({ command: 'ExecuteStatement', transactionId: transactionId!, sql: text!, parameters });
      const connection = this.connection(transactionId);
      const { text: positional, values } = this.bind(connection, text!, parameters);
      try {
        const rows = await connection.unsafe(positional, values as never[], { prepare: false, simple: false } as never);
        return { formattedRecords: JSON.stringify([...rows]), $metadata: {} };
      } catch (error) {
        throw new DatabaseErrorException({ message: `ERROR: ${(error as Error).message}`, $metadata: {} });
      }
    }
    if (command instanceof CommitTransactionCommand || command instanceof RollbackTransactionCommand) {
      const commit = command instanceof CommitTransactionCommand;
      const { transactionId } = command.input;
      this.calls.push({ command: commit ? 'CommitTransaction' : 'RollbackTransaction', transactionId: transactionId! });
      const connection = this.connection(transactionId);
      this.open.delete(transactionId!);
      try {
        await connection.unsafe(commit ? 'COMMIT' : 'ROLLBACK');
      } finally {
        connection.release();
      }
      return { transactionStatus: commit ? 'Transaction Committed' : 'Rollback Complete', $metadata: {} };
    }
    throw new Error(`the Data API fake does not implement ${(command as object).constructor.name}`);
  }

  /** The statements sent, in order, with the transaction each ran in. */
  statements() {
    return this.calls.filter((c): c is Extract<Call, { command: 'ExecuteStatement' }> => c.command === 'ExecuteStatement');
  }

  private connection(transactionId: string | undefined): ReservedSql {
    const connection = transactionId ? this.open.get(transactionId) : undefined;
    if (!connection) throw new Error(`unknown transaction ${transactionId}`);
    return connection;
  }

  /** Each `:name` (not a `::` cast) becomes `$n`, bound with the type the Data API gives the value. */
  private bind(connection: ReservedSql, text: string, parameters: SqlParameter[] | undefined) {
    if (parameters === undefined) return { text, values: [] };
    const values: unknown[] = [];
    const positional = text.replace(/(?<!:):([A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) => {
      const parameter = parameters.find((p) => p.name === name);
      if (!parameter) throw new DatabaseErrorException({ message: `no value for parameter :${name}`, $metadata: {} });
      const v = parameter.value!;
      values.push(v.isNull ? null
        : v.stringValue !== undefined ? connection.typed(v.stringValue, parameter.typeHint === 'JSON' ? 114 : 1043)
          : v.longValue !== undefined ? connection.typed(String(v.longValue), 20)
            : v.booleanValue !== undefined ? connection.typed(v.booleanValue, 16)
              : connection.typed(v.doubleValue, 701));
      return `$${values.length}`;
    });
    return { text: positional, values };
  }
}

/** A new, empty database owned by the Aurora-like owner role; dropped after the test unless it failed. */
export async function emptyOwnedDatabase(label: string): Promise<Sql> {
  const name = `mig_${label}_${randomUUID().slice(0, 8)}`;
  const url = await bootstrapDatabase(inject('superuserUrl'), name, TEST_OWNER_PASSWORD);
  const sql = postgres(url, { max: 6, ...quiet });
  onTestFinished(async ({ task }) => {
    await sql.end({ timeout: 5 });
    if (task.result?.state === 'fail') return console.warn(`kept database ${name} of failed test "${task.name}"`);
    await dropDatabase(inject('templateOwnerUrl'), name);
  });
  return sql;
}

/** The migration port over the fake, as the custom resource builds it for TARGET. */
export const dataApi = (fake: FakeDataApi) => dataApiMigrationDatabase(fake as unknown as DataApiClient, TARGET);
