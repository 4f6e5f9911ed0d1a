import {
  CreateSecretCommand, DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, ResourceExistsException,
  ResourceNotFoundException, SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { secretSetting } from '../functions/_shared/secrets.ts';
import { startLocalSecretsManager, type LocalSecretsManager } from '../local/secrets-manager.ts';

let server: LocalSecretsManager;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
beforeAll(async () => {
  server = await startLocalSecretsManager({ region: 'us-east-1' });
  // What the local stack sets: the service-specific endpoint wins over AWS_ENDPOINT_URL (here a port nothing serves).
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: server.endpoint, AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  });
});
afterAll(() => server.stop());

describe('local Secrets Manager (local/secrets-manager.ts): the JSON protocol, driven by the real SDK client', () => {
  it('creates, reads, rolls (AWSCURRENT/AWSPREVIOUS) and describes a secret, by name or ARN', async () => {
    const client = new SecretsManagerClient({ endpoint: server.endpoint, region: 'us-east-1', credentials });

    const created = await client.send(new CreateSecretCommand({ Name: 'streamvibe/test/env/A', SecretString: 'one', Description: 'a test' }));
    expect(created.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:000000000000:secret:streamvibe\/test\/env\/A-[0-9a-f]{6}$/);
    await client.send(new PutSecretValueCommand({ SecretId: created.ARN, SecretString: 'two' }));
    const current = await client.send(new GetSecretValueCommand({ SecretId: 'streamvibe/test/env/A' }));
    const previous = await client.send(new GetSecretValueCommand({ SecretId: created.ARN, VersionStage: 'AWSPREVIOUS' }));
    const described = await client.send(new DescribeSecretCommand({ SecretId: created.ARN }));

    expect(current).toMatchObject({ ARN: created.ARN, Name: 'streamvibe/test/env/A', SecretString: 'two', VersionStages: ['AWSCURRENT'] });
    expect(current.CreatedDate).toBeInstanceOf(Date);
    expect(previous).toMatchObject({ SecretString: 'one', VersionStages: ['AWSPREVIOUS'] });
    expect(described).toMatchObject({ ARN: created.ARN, Description: 'a test' });
    expect(Object.values(described.VersionIdsToStages!)).toEqual([['AWSPREVIOUS'], ['AWSCURRENT']]);
    client.destroy();
  });

  it('answers with the service\'s errors, which the SDK raises as its exception classes', async () => {
    const client = new SecretsManagerClient({ endpoint: server.endpoint, region: 'us-east-1', credentials });
    await client.send(new CreateSecretCommand({ Name: 'streamvibe/test/env/B', SecretString: 'b' }));

    await expect(client.send(new GetSecretValueCommand({ SecretId: 'streamvibe/test/env/none' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(client.send(new CreateSecretCommand({ Name: 'streamvibe/test/env/B', SecretString: 'b' }))).rejects.toBeInstanceOf(ResourceExistsException);
    client.destroy();
  });
});

describe('secretSetting (functions/_shared/secrets.ts): a secret read by <NAME>_SECRET_ARN with the SDK client, on first use', () => {
  it('fetches and validates the value through AWS_ENDPOINT_URL_SECRETS_MANAGER (a client with no endpoint configured)', async () => {
    const client = new SecretsManagerClient({});
    const { ARN } = await client.send(new CreateSecretCommand({ Name: 'streamvibe/test/env/GOOD_KEY', SecretString: 'k'.repeat(40) }));
    client.destroy();
    process.env.GOOD_KEY_SECRET_ARN = ARN;

    expect(await secretSetting('GOOD_KEY', z.string().check(z.minLength(32)))()).toBe('k'.repeat(40));
  });

  it('fails naming the setting when its variable is not set, when the secret is missing, and when the value is invalid (the `unset` placeholder)', async () => {
    const client = new SecretsManagerClient({});
    const { ARN } = await client.send(new CreateSecretCommand({ Name: 'streamvibe/test/env/PLACEHOLDER', SecretString: 'unset' }));
    client.destroy();
    process.env.PLACEHOLDER_SECRET_ARN = ARN;
    process.env.GONE_SECRET_ARN = 'streamvibe/test/env/GONE';
    const whsec = z.string().check(z.regex(/^whsec_/, 'must be whsec_… secrets'));

    await expect(secretSetting('NOT_CONFIGURED', whsec)()).rejects.toThrow(/NOT_CONFIGURED_SECRET_ARN: is not set/);
    // What a Lambda entry checks at cold start, without fetching: the variable.
    expect(() => secretSetting('NOT_CONFIGURED', whsec).configured()).toThrow(/NOT_CONFIGURED_SECRET_ARN: is not set/);
    expect(secretSetting('GONE', whsec).configured()).toBe('streamvibe/test/env/GONE');
    await expect(secretSetting('GONE', whsec)()).rejects.toThrow(/^GONE: cannot read secret streamvibe\/test\/env\/GONE \(GONE_SECRET_ARN\)/);
    await expect(secretSetting('PLACEHOLDER', whsec)()).rejects.toThrow(/^PLACEHOLDER: the value of secret .* must be whsec_… secrets/);
  });
});
