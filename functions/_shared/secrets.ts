import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import * as z from 'zod/mini';
import { ConfigError, once, readEnv, secretArnVariable } from './env.ts';

/**
 * How long a fetched secret value is served from memory: a value put with `aws secretsmanager put-secret-value`
 * (a Stripe secret being rolled) reaches every warm container within this, with no redeploy, at one
 * GetSecretValue per container per period.
 */
export const SECRET_MAX_AGE_SECONDS = 300;

/**
 * A secret setting (a webhook signing secret, a hashing key): its value lives in Secrets Manager, never in the
 * environment, which holds only `<SETTING>_SECRET_ARN`. The getter fetches it with Powertools Parameters (cached
 * SECRET_MAX_AGE_SECONDS) and validates it with `schema`; a Lambda entry awaits it at module scope, so a missing
 * variable, a missing secret or an invalid value (the `unset` placeholder) fails the cold start naming the setting.
 */
export function secretSetting<T>(setting: string, schema: z.ZodMiniType<T, string>): () => Promise<T> {
  const variable = secretArnVariable(setting);
  const secretId = once(() => readEnv({ [variable]: z.string().check(z.minLength(1)) })[variable] as string);
  let parsed: { raw: string; value: T } | undefined;
  return async () => {
    const id = secretId();
    const raw = await getSecret(id, { maxAge: SECRET_MAX_AGE_SECONDS }).catch((error: unknown) => {
      throw new ConfigError(`${setting}: cannot read secret ${id} (${variable}): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    });
    if (typeof raw !== 'string') throw new ConfigError(`${setting}: secret ${id} (${variable}) has no string value`);
    if (parsed?.raw !== raw) {
      const result = schema.safeParse(raw);
      if (!result.success) throw new ConfigError(`${setting}: the value of secret ${id} ${result.error.issues.map((i) => i.message).join('; ')}`);
      parsed = { raw, value: result.data };
    }
    return parsed.value;
  };
}
