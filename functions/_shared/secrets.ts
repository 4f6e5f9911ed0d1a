import * as z from 'zod/mini';
import { awsJsonCall, SECRETS_MANAGER } from './aws-json.ts';
import { ConfigError, once, readEnv, secretArnVariable } from './env.ts';

/**
 * How long a fetched secret value is served from memory: a value put with `aws secretsmanager put-secret-value`
 * (a Stripe secret being rolled) reaches every warm container within this, with no redeploy, at one
 * GetSecretValue per container per period.
 */
export const SECRET_MAX_AGE_SECONDS = 300;

/** The current value of a secret (GetSecretValue through functions/_shared/aws-json.ts, no SDK client). */
async function fetchSecret(secretId: string): Promise<string | undefined> {
  return (await awsJsonCall<{ SecretString?: string }>(SECRETS_MANAGER, 'GetSecretValue', { SecretId: secretId })).SecretString;
}

/**
 * A secret setting (a webhook signing secret, a hashing key): its value lives in Secrets Manager, never in the
 * environment, which holds only `<SETTING>_SECRET_ARN`. The getter fetches it when first needed and serves it from
 * memory for SECRET_MAX_AGE_SECONDS, validated with `schema`; a missing secret or an invalid value (the `unset`
 * placeholder) fails that request naming the setting. `configured()` checks the variable alone, at cold start.
 */
export function secretSetting<T>(setting: string, schema: z.ZodMiniType<T, string>): (() => Promise<T>) & { configured: () => string } {
  const variable = secretArnVariable(setting);
  const secretId = once(() => readEnv({ [variable]: z.string().check(z.minLength(1)) })[variable] as string);
  let parsed: { raw: string; value: T; fetchedAtMs: number } | undefined;
  const get = async () => {
    const id = secretId();
    if (parsed && Date.now() - parsed.fetchedAtMs < SECRET_MAX_AGE_SECONDS * 1000) return parsed.value;
    const raw = await fetchSecret(id).catch((error: unknown) => {
      throw new ConfigError(`${setting}: cannot read secret ${id} (${variable}): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    });
    if (typeof raw !== 'string') throw new ConfigError(`${setting}: secret ${id} (${variable}) has no string value`);
    if (parsed?.raw !== raw) {
      const result = schema.safeParse(raw);
      if (!result.success) throw new ConfigError(`${setting}: the value of secret ${id} ${result.error.issues.map((i) => i.message).join('; ')}`);
      parsed = { raw, value: result.data, fetchedAtMs: Date.now() };
    }
    parsed.fetchedAtMs = Date.now();
    return parsed.value;
  };
  return Object.assign(get, { configured: secretId });
}
