import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import { awsJsonCall, AwsServiceError, SECRETS_MANAGER } from '../_shared/aws-json.ts';
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

const call = <T = unknown>(operation: string, input: Record<string, unknown>) => awsJsonCall<T>(SECRETS_MANAGER, operation, input);

/**
 * The Secrets Manager adapter: one secret per connection, `<prefix><platform>/<uuid>`, encrypted with the stage's
 * OAuth key, tagged with its platform. Signed calls of the service's API (functions/_shared/aws-json.ts: no SDK client
 * at cold start) go to AWS, or to the local endpoint / LocalStack through AWS_ENDPOINT_URL_SECRETS_MANAGER.
 */
export const secretsManagerVault = (): TokenVault => ({
  async put(platform, tokens) {
    const { OAUTH_SECRET_PREFIX: prefix, OAUTH_SECRET_KMS_KEY_ARN: kmsKeyId } = vaultEnv();
    const name = `${prefix}${platform}/${randomUUID()}`;
    await call('CreateSecret', {
      Name: name, SecretString: JSON.stringify(tokens), ClientRequestToken: randomUUID(), ...(kmsKeyId ? { KmsKeyId: kmsKeyId } : {}),
      Description: `StreamVibe: OAuth tokens of one ${platform} connection`, Tags: [{ Key: 'platform', Value: platform }],
    });
    return name;
  },
  async get(name) {
    const { SecretString } = await call<{ SecretString?: string }>('GetSecretValue', { SecretId: name });
    return StoredTokens.parse(JSON.parse(SecretString ?? 'null')) as TokenSet;
  },
  async replace(name, tokens) {
    await call('PutSecretValue', { SecretId: name, SecretString: JSON.stringify(tokens), ClientRequestToken: randomUUID() });
  },
  async delete(name) {
    try {
      await call('DeleteSecret', { SecretId: name, ForceDeleteWithoutRecovery: true });
    } catch (error) {
      if (!(error instanceof AwsServiceError && error.type === 'ResourceNotFoundException')) throw error;
    }
  },
});

let vault: TokenVault | undefined;
/** The process's vault (the tests swap nothing: they run the real adapter against the local endpoint). */
export const tokenVault = (): TokenVault => (vault ??= secretsManagerVault());
