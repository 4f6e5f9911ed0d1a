/**
 * The yardstick of `npm run bundle:sizes`: the least a middy + postgres.js Lambda does on a cold start (import middy and
 * postgres.js, create the client at module scope, connect and run one query). Bundled and measured exactly as the
 * feature Lambdas are; their cold init is reported as a ratio of this one's.
 */
import middy from '@middy/core';
import postgres from 'postgres';

const sql = postgres(process.env.DATABASE_URL!, { max: 1 });

export const handler = middy().handler(async () => {
  const [row] = await sql`select 1 as ok`;
  return { statusCode: 200, body: JSON.stringify(row) };
});
