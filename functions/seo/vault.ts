import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import { awsJsonCall, AwsServiceError, SECRETS_MANAGER } from '../_shared/aws-json.ts';
import { once, readEnv } from '../_shared/env.ts';
import type { ServiceAccountKey } from './engines/port.ts';

/** What a connection's secret holds: the service account's key (Google) or the API key (Bing). */
export type SeoSecret = { engine: 'google'; serviceAccount: ServiceAccountKey } | { engine: 'bing'; apiKey: string };

/**
 * Where connections' credentials live: one Secrets Manager secret each, `<SEO_SECRET_PREFIX><uuid>`. The database
 * keeps the name; the key never reaches a row, a log line, an HTTP answer or a job's params or result.
 */
export interface SeoVault {
  put(secret: SeoSecret): Promise<string>;
  get(name: string): Promise<SeoSecret>;
  /** Deletes at once (no recovery window: a removed connection's key is not used again, and names are never reused). */
  delete(name: string): Promise<void>;
}

const Stored = z.discriminatedUnion('engine', [
  z.object({
    engine: z.literal('google'),
    serviceAccount: z.object({ client_email: z.string(), private_key: z.string(), private_key_id: z.optional(z.string()), token_uri: z.optional(z.string()) }),
  }),
  z.object({ engine: z.literal('bing'), apiKey: z.string().check(z.minLength(1)) }),
]);

const vaultEnv = once(() => readEnv({
  // streamvibe/<stage>/seo/ (the CDK app sets it; the grant covers this prefix and nothing else).
  SEO_SECRET_PREFIX: z.string().check(z.regex(/^[\w/+=.@-]+\/$/, 'must be a secret name prefix ending in /')),
  // The stage's key for these secrets; locally unset (the local endpoint does not encrypt).
  SEO_SECRET_KMS_KEY_ARN: z.optional(z.string().check(z.minLength(1))),
}));

const call = <T = unknown>(operation: string, input: Record<string, unknown>) => awsJsonCall<T>(SECRETS_MANAGER, operation, input);

/**
 * The Secrets Manager adapter: signed calls of the service's API (functions/_shared/aws-json.ts: no SDK client in the
 * Lambda) to AWS, or to the local endpoint / LocalStack through AWS_ENDPOINT_URL_SECRETS_MANAGER.
 */
export const secretsManagerSeoVault = (): SeoVault => ({
  async put(secret) {
    const { SEO_SECRET_PREFIX: prefix, SEO_SECRET_KMS_KEY_ARN: kmsKeyId } = vaultEnv();
    const name = `${prefix}${randomUUID()}`;
    await call('CreateSecret', {
      Name: name, SecretString: JSON.stringify(secret), ClientRequestToken: randomUUID(), ...(kmsKeyId ? { KmsKeyId: kmsKeyId } : {}),
      Description: `StreamVibe: the ${secret.engine} credentials of one SEO connection`, Tags: [{ Key: 'engine', Value: secret.engine }],
    });
    return name;
  },
  async get(name) {
    const { SecretString } = await call<{ SecretString?: string }>('GetSecretValue', { SecretId: name });
    return Stored.parse(JSON.parse(SecretString ?? 'null')) as SeoSecret;
  },
  async delete(name) {
    try {
      await call('DeleteSecret', { SecretId: name, ForceDeleteWithoutRecovery: true });
    } catch (error) {
      if (!isMissingSecret(error)) throw error;
    }
  },
});

let vault: SeoVault | undefined;
/** The process's vault. */
export const seoVault = (): SeoVault => (vault ??= secretsManagerSeoVault());

/** Whether Secrets Manager says the secret is gone (a connection removed while its job waited). */
export const isMissingSecret = (error: unknown) => error instanceof AwsServiceError && error.type === 'ResourceNotFoundException';
