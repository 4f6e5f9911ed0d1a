import postgres from 'postgres';
import { z } from 'zod';
import { readEnv } from './env.ts';

export { asAnon, asService, asUser, withCaller, type Caller } from '../../db/context.ts';

const env = readEnv({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection string'),
  // One connection per Lambda container (RDS Proxy multiplexes); the local gateway runs every handler in one process.
  DB_POOL_MAX: z.coerce.number().int().min(1).max(100).default(1),
});

/** The process-wide client (created once per container). Always use it through asAnon / asUser / asService. */
export const sql = postgres(env.DATABASE_URL, {
  max: env.DB_POOL_MAX,
  idle_timeout: 20,            // seconds: let a frozen Lambda's connection go before the proxy drops it
  max_lifetime: 60 * 30,       // seconds: recycle connections so credential rotation takes effect
  connect_timeout: 10,
  onnotice: () => {},
  connection: { application_name: process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'streamvibe-local' },
});
