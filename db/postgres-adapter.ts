import type { Sql } from 'postgres';
import type { MigrationDatabase } from './migrate.ts';

/** The migration port over postgres.js: `sql.begin` per transaction; scripts without params use the simple protocol. */
export function postgresMigrationDatabase(sql: Sql): MigrationDatabase {
  return {
    transaction: (work) =>
      sql.begin((tx) =>
        work(async (text, params) => [...(await tx.unsafe(text, params as never[] | undefined))] as Record<string, unknown>[]),
      ) as never,
  };
}
