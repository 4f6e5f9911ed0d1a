/**
 * Secret settings locally: the functions read them from Secrets Manager by `<NAME>_SECRET_ARN`, as in AWS. The
 * endpoint is the in-process one (local/secrets-manager.ts), or LocalStack when AWS_ENDPOINT_URL is set; either
 * way the values are put with the real client and the functions fetch them with it.
 */
import { CreateSecretCommand, PutSecretValueCommand, ResourceExistsException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { secretArnVariable } from '../functions/_shared/env.ts';
import { LOCAL_REGION } from './queues.ts';
import { startLocalSecretsManager } from './secrets-manager.ts';

/** Secret names follow AWS's `streamvibe/<stage>/env/<NAME>` with the stage `local`. */
const localSecretName = (setting: string) => `streamvibe/local/env/${setting}`;

let inProcess: Promise<string> | undefined;

/**
 * The process's Secrets Manager endpoint: one per process, because the SDK client the functions create at first use
 * keeps the endpoint it was created with (as in a Lambda container).
 */
function secretsEndpoint(): Promise<string> {
  const external = process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER ?? process.env.AWS_ENDPOINT_URL;
  if (external) return Promise.resolve(external);
  return (inProcess ??= startLocalSecretsManager({ region: LOCAL_REGION }).then((server) => server.endpoint));
}

/**
 * Puts each setting's value into its secret (created when missing) and returns the environment that points the
 * functions at them: `AWS_ENDPOINT_URL_SECRETS_MANAGER` (the SDK's service-specific endpoint variable, which wins
 * over AWS_ENDPOINT_URL, itself the SQS emulator's) and `<NAME>_SECRET_ARN` for each.
 */
export async function seedLocalSecrets(values: Record<string, string>) {
  const endpoint = await secretsEndpoint();
  const client = new SecretsManagerClient({
    endpoint, region: process.env.AWS_REGION ?? LOCAL_REGION,
    credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'local', secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'local' },
  });
  const environment: Record<string, string> = { AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint };
  try {
    for (const [setting, value] of Object.entries(values)) {
      const name = localSecretName(setting);
      const arn = await client.send(new CreateSecretCommand({ Name: name, SecretString: value }))
        .then((created) => created.ARN!)
        .catch(async (error: unknown) => {
          if (!(error instanceof ResourceExistsException)) throw error;
          return (await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }))).ARN!;
        });
      environment[secretArnVariable(setting)] = arn;
    }
  } finally {
    client.destroy();
  }
  return { endpoint, environment };
}
