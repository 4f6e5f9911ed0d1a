import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
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

let sdk: Promise<{ client: SecretsManagerClient; module: typeof import('@aws-sdk/client-secrets-manager') }> | undefined;
/** The SDK client, loaded on first use: only connection changes and Google/Bing jobs need it. */
const secretsManager = () => (sdk ??= import('@aws-sdk/client-secrets-manager')
  .then((module) => ({ client: new module.SecretsManagerClient({}), module })));

/** The Secrets Manager adapter (the real SDK client; locally the endpoint in AWS_ENDPOINT_URL_SECRETS_MANAGER). */
export const secretsManagerSeoVault = (): SeoVault => ({
  async put(secret) {
    const { SEO_SECRET_PREFIX: prefix, SEO_SECRET_KMS_KEY_ARN: kmsKeyId } = vaultEnv();
    const { client, module } = await secretsManager();
    const name = `${prefix}${randomUUID()}`;
    await client.send(new module.CreateSecretCommand({
      Name: name, SecretString: JSON.stringify(secret), KmsKeyId: kmsKeyId,
      Description: `StreamVibe: the ${secret.engine} credentials of one SEO connection`, Tags: [{ Key: 'engine', Value: secret.engine }],
    }));
    return name;
  },
  async get(name) {
    const { client, module } = await secretsManager();
    const { SecretString } = await client.send(new module.GetSecretValueCommand({ SecretId: name }));
    return Stored.parse(JSON.parse(SecretString ?? 'null')) as SeoSecret;
  },
  async delete(name) {
    const { client, module } = await secretsManager();
    try {
      await client.send(new module.DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }));
    } catch (error) {
      if (!(error instanceof module.ResourceNotFoundException)) throw error;
    }
  },
});

let vault: SeoVault | undefined;
/** The process's vault. */
export const seoVault = (): SeoVault => (vault ??= secretsManagerSeoVault());

/** Whether Secrets Manager says the secret is gone (a connection removed while its job waited). */
export const isMissingSecret = (error: unknown) => error instanceof Error && error.name === 'ResourceNotFoundException';
