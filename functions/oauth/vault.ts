import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import { once, readEnv } from '../_shared/env.ts';
import type { Platform, TokenSet } from './providers/port.ts';

/**
 * Where a connection's tokens live. The database keeps only the name `put` returns; tokens never reach a row, a log
 * line, an HTTP answer or a job's params or result.
 */
export interface TokenVault {
  /** Stores a new secret and returns its name (unique per call: a failed connect deletes what it stored). */
  put(platform: Platform, tokens: TokenSet): Promise<string>;
  get(name: string): Promise<TokenSet>;
  /** Replaces the tokens of an existing secret (a refresh). */
  replace(name: string, tokens: TokenSet): Promise<void>;
  /** Deletes the secret at once (no recovery window: revoked tokens are worth nothing, and names are never reused). */
  delete(name: string): Promise<void>;
}

const StoredTokens = z.object({
  accessToken: z.string().check(z.minLength(1)),
  refreshToken: z.optional(z.string()),
  expiresAt: z.optional(z.string()),
  refreshExpiresAt: z.optional(z.string()),
  scopes: z.array(z.string()),
  extra: z.optional(z.record(z.string(), z.string())),
});

const vaultEnv = once(() => readEnv({
  // streamvibe/<stage>/oauth/ (the CDK app sets it; the grant covers this prefix and nothing else).
  OAUTH_SECRET_PREFIX: z.string().check(z.regex(/^[\w/+=.@-]+\/$/, 'must be a secret name prefix ending in /')),
  // The stage's key for these secrets; locally unset (the local endpoint does not encrypt).
  OAUTH_SECRET_KMS_KEY_ARN: z.optional(z.string().check(z.minLength(1))),
}));

let sdk: Promise<{ client: SecretsManagerClient; module: typeof import('@aws-sdk/client-secrets-manager') }> | undefined;
/** The SDK client, loaded on first use (it costs tens of ms of a cold start; most of the feature's requests never need it). */
const secretsManager = () => (sdk ??= import('@aws-sdk/client-secrets-manager')
  .then((module) => ({ client: new module.SecretsManagerClient({}), module })));

/**
 * The Secrets Manager adapter: one secret per connection, `<prefix><platform>/<uuid>`, encrypted with the stage's
 * OAuth key, tagged with its platform. The real SDK client talks to AWS, or to the local endpoint / LocalStack
 * through AWS_ENDPOINT_URL_SECRETS_MANAGER.
 */
export const secretsManagerVault = (): TokenVault => ({
  async put(platform, tokens) {
    const { OAUTH_SECRET_PREFIX: prefix, OAUTH_SECRET_KMS_KEY_ARN: kmsKeyId } = vaultEnv();
    const { client, module } = await secretsManager();
    const name = `${prefix}${platform}/${randomUUID()}`;
    await client.send(new module.CreateSecretCommand({
      Name: name, SecretString: JSON.stringify(tokens), KmsKeyId: kmsKeyId,
      Description: `StreamVibe: OAuth tokens of one ${platform} connection`, Tags: [{ Key: 'platform', Value: platform }],
    }));
    return name;
  },
  async get(name) {
    const { client, module } = await secretsManager();
    const { SecretString } = await client.send(new module.GetSecretValueCommand({ SecretId: name }));
    return StoredTokens.parse(JSON.parse(SecretString ?? 'null')) as TokenSet;
  },
  async replace(name, tokens) {
    const { client, module } = await secretsManager();
    await client.send(new module.PutSecretValueCommand({ SecretId: name, SecretString: JSON.stringify(tokens) }));
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

let vault: TokenVault | undefined;
/** The process's vault (the tests swap nothing: they run the real adapter against the local endpoint). */
export const tokenVault = (): TokenVault => (vault ??= secretsManagerVault());
