import * as z from 'zod/mini';
import './zod-locale.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads and validates environment variables once (call at module scope: a bad or missing variable fails the
 * cold start, naming the variable).
 */
export function readEnv<S extends z.core.$ZodShape>(shape: S, env: NodeJS.ProcessEnv = process.env): z.infer<z.ZodMiniObject<S>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${env[String(i.path[0])] === undefined ? 'is not set' : i.message}`);
  throw new ConfigError(`Invalid environment: ${problems.join('; ')}`);
}

/**
 * A configuration read once, when first needed: modules that declare routes stay importable without it (the manifest,
 * the CDK app), and a Lambda entry calls it at module scope so a missing variable still fails its cold start.
 */
export function once<T>(read: () => T): () => T {
  let value: { read: T } | undefined;
  return () => (value ??= { read: read() }).read;
}

/** The variable that names a secret setting's Secrets Manager secret (its ARN in AWS; name or ARN locally). */
export const secretArnVariable = (setting: string) => `${setting}_SECRET_ARN`;
