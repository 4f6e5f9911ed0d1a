import * as z from 'zod/mini';
import { describe, expect, it } from 'vitest';
import { ConfigError, readEnv } from '../functions/_shared/env.ts';
import { intParam } from '../functions/_shared/schemas.ts';

const shape = {
  DATABASE_URL: z.optional(z.string().check(z.regex(/^postgres(ql)?:\/\//, 'must be a postgres:// connection string'))),
  DB_POOL_MAX: z._default(intParam(1, 100), 1),
  URLS: z.pipe(z.string(), z.transform((raw) => JSON.parse(raw) as unknown)),
};

describe('readEnv', () => {
  it('returns the parsed values, a default for an unset one, and no key for an unset optional one', () => {
    expect(readEnv(shape, { DB_POOL_MAX: '7', URLS: '{"a":1}' })).toEqual({ DB_POOL_MAX: 7, URLS: { a: 1 } });
    expect(readEnv(shape, { URLS: '[]', DATABASE_URL: 'postgres://h/db' })).toEqual({ DATABASE_URL: 'postgres://h/db', DB_POOL_MAX: 1, URLS: [] });
    expect('DATABASE_URL' in readEnv(shape, { URLS: '[]' })).toBe(false);
  });

  it('fails with every problem, each naming its variable: unset, or the schema\'s message', () => {
    const read = () => readEnv(shape, { DATABASE_URL: 'mysql://h', DB_POOL_MAX: '0' });
    expect(read).toThrow(ConfigError);
    expect(read).toThrow('Invalid environment: DATABASE_URL: must be a postgres:// connection string; DB_POOL_MAX: must be a whole number in decimal digits; URLS: is not set');
  });
});
