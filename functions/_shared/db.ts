import postgres, { type Sql } from 'postgres';
import * as z from 'zod/mini';
import { readEnv } from './env.ts';
import { rdsIamToken } from './rds-iam-token.ts';
import { intParam } from './schemas.ts';

export { asAnon, asService, asUser, withCaller, type Caller } from '../../db/context.ts';

const readDbEnv = () => readEnv({
  // Locally and in tests: a connection string. In AWS it is absent and the DB_* variables below apply.
  DATABASE_URL: z.optional(z.string().check(z.regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection string'))),
  // One connection per Lambda container (RDS Proxy multiplexes); the local gateway runs every handler in one process.
  DB_POOL_MAX: z._default(intParam(1, 100), 1),
  // Named prepared statements are session state: RDS Proxy pins the client connection to one database connection for
  // as long as it lives. The CDK app sets false for every Lambda; without it, AWS (no DATABASE_URL) means false and
  // a DATABASE_URL true. Measured cost of false on a hot discovery read: see bench/README.md (bench:prepare).
  DB_PREPARE: z.optional(z.enum(['true', 'false'])),
});

const options = (max: number, prepare: boolean) => ({
  max,
  prepare,
  idle_timeout: 20,            // seconds: let a frozen Lambda's connection go before the proxy drops it
  max_lifetime: 60 * 30,       // seconds: recycle connections so credential rotation takes effect
  connect_timeout: 10,
  onnotice: () => {},
  connection: { application_name: process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'streamvibe-local' },
});

/**
 * In AWS (set by the CDK app): RDS Proxy with IAM authentication. Every new connection signs a fresh 15-minute
 * token with the function role's credentials, over TLS verified against the public CAs RDS Proxy certificates
 * chain to.
 */
function iamAuthConnection() {
  const aws = readEnv({
    DB_HOST: z.string().check(z.minLength(1)),
    DB_PORT: z._default(intParam(1, 65_535), 5432),
    DB_NAME: z.string().check(z.minLength(1)),
    DB_USER: z.string().check(z.minLength(1)),
    AWS_REGION: z.string().check(z.minLength(1)),
    AWS_ACCESS_KEY_ID: z.string().check(z.minLength(1)),
    AWS_SECRET_ACCESS_KEY: z.string().check(z.minLength(1)),
    AWS_SESSION_TOKEN: z.optional(z.string()),
  });
  return {
    host: aws.DB_HOST,
    port: aws.DB_PORT,
    database: aws.DB_NAME,
    username: aws.DB_USER,
    ssl: { rejectUnauthorized: true, servername: aws.DB_HOST },
    password: () => rdsIamToken({
      hostname: aws.DB_HOST, port: aws.DB_PORT, username: aws.DB_USER, region: aws.AWS_REGION,
      credentials: { accessKeyId: aws.AWS_ACCESS_KEY_ID, secretAccessKey: aws.AWS_SECRET_ACCESS_KEY, sessionToken: aws.AWS_SESSION_TOKEN },
    }),
  };
}

function connect(): Sql {
  const env = readDbEnv();
  const prepare = env.DB_PREPARE ? env.DB_PREPARE === 'true' : Boolean(env.DATABASE_URL);
  return env.DATABASE_URL ? postgres(env.DATABASE_URL, options(env.DB_POOL_MAX, prepare))
    : postgres({ ...options(env.DB_POOL_MAX, prepare), ...iamAuthConnection() });
}

let client: Sql | undefined;
/**
 * The process-wide client, created on first use (once per container; no connection is opened until a query). Lambda
 * entries call it at module scope, so a bad configuration fails the cold start naming the variable. Always use it
 * through asAnon / asUser / asService.
 */
export const db = (): Sql => (client ??= connect());

/** Ends the client's connections (the local stack and tests, when they stop). */
export async function closeDb(): Promise<void> {
  const ending = client;
  client = undefined;
  await ending?.end();
}
