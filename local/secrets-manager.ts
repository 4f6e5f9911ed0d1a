/**
 * A local Secrets Manager endpoint: a node:http server speaking the service's JSON protocol (POST /, `X-Amz-Target:
 * secretsmanager.<Operation>`, `application/x-amz-json-1.1`, errors as `{ "__type", "message" }` with status 400),
 * so the functions' signed calls (functions/_shared/aws-json.ts) and the SDK client the local stack seeds with run
 * unchanged against it through `AWS_ENDPOINT_URL_SECRETS_MANAGER`. It keeps secrets in memory and implements what the app and the
 * local stack use: GetSecretValue, CreateSecret, PutSecretValue, DeleteSecret, DescribeSecret and ListSecrets (name filter). Requests are not authenticated.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const ACCOUNT_ID = '000000000000';

interface StoredSecret {
  arn: string;
  name: string;
  description?: string;
  createdSeconds: number;
  changedSeconds: number;
  versions: { id: string; value: string }[];
  /** Set by DeleteSecret with a recovery window: the secret is kept but unusable (AWS: until the window ends). */
  deletedSeconds?: number;
}

/** A Secrets Manager error, in the wire shape the SDK turns into its exception classes. */
class ServiceError extends Error {
  constructor(readonly type: string, message: string) {
    super(message);
  }
}

export interface LocalSecretsManager {
  endpoint: string;
  stop(): Promise<void>;
}

const epochSeconds = () => Date.now() / 1000;

/** Starts the endpoint on `port` (0: any free port) of 127.0.0.1. */
export async function startLocalSecretsManager(options: { port?: number; region: string }): Promise<LocalSecretsManager> {
  const secrets = new Map<string, StoredSecret>();
  const find = (secretId: unknown): StoredSecret => {
    if (typeof secretId !== 'string' || !secretId) throw new ServiceError('InvalidParameterException', 'SecretId is required.');
    const found = secrets.get(secretId) ?? [...secrets.values()].find((s) => s.arn === secretId);
    if (!found) throw new ServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    if (found.deletedSeconds !== undefined) {
      throw new ServiceError('InvalidRequestException', "You can't perform this operation on the secret because it was marked for deletion.");
    }
    return found;
  };
  const current = (secret: StoredSecret) => secret.versions.at(-1)!;
  const stages = (secret: StoredSecret) => Object.fromEntries(secret.versions.map((v, i) => [v.id,
    i === secret.versions.length - 1 ? ['AWSCURRENT'] : i === secret.versions.length - 2 ? ['AWSPREVIOUS'] : []]));
  const addVersion = (secret: StoredSecret, value: unknown, token: unknown) => {
    if (typeof value !== 'string') throw new ServiceError('InvalidRequestException', 'SecretString is required (SecretBinary is not supported locally).');
    const id = typeof token === 'string' && token ? token : randomUUID();
    secret.versions.push({ id, value });
    secret.changedSeconds = epochSeconds();
    return { ARN: secret.arn, Name: secret.name, VersionId: id, VersionStages: ['AWSCURRENT'] };
  };

  const operations: Record<string, (input: Record<string, unknown>) => unknown> = {
    GetSecretValue: ({ SecretId, VersionId, VersionStage }) => {
      const secret = find(SecretId);
      const version = VersionId ? secret.versions.find((v) => v.id === VersionId)
        : VersionStage && VersionStage !== 'AWSCURRENT' ? secret.versions.at(VersionStage === 'AWSPREVIOUS' ? -2 : Infinity) : current(secret);
      if (!version) throw new ServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret value for the version.");
      return {
        ARN: secret.arn, Name: secret.name, VersionId: version.id, SecretString: version.value,
        VersionStages: stages(secret)[version.id], CreatedDate: secret.changedSeconds,
      };
    },
    CreateSecret: ({ Name, SecretString, Description, ClientRequestToken }) => {
      if (typeof Name !== 'string' || !/^[\w/+=.@-]{1,512}$/.test(Name)) throw new ServiceError('InvalidParameterException', 'Name is invalid.');
      if (secrets.has(Name)) throw new ServiceError('ResourceExistsException', `The operation failed because the secret ${Name} already exists.`);
      const now = epochSeconds();
      const secret: StoredSecret = {
        arn: `arn:aws:secretsmanager:${options.region}:${ACCOUNT_ID}:secret:${Name}-${randomBytes(3).toString('hex')}`,
        name: Name, description: typeof Description === 'string' ? Description : undefined, createdSeconds: now, changedSeconds: now, versions: [],
      };
      const created = addVersion(secret, SecretString, ClientRequestToken);
      secrets.set(Name, secret);
      return { ARN: created.ARN, Name: created.Name, VersionId: created.VersionId };
    },
    PutSecretValue: ({ SecretId, SecretString, ClientRequestToken }) => addVersion(find(SecretId), SecretString, ClientRequestToken),
    DeleteSecret: ({ SecretId, ForceDeleteWithoutRecovery, RecoveryWindowInDays }) => {
      const secret = find(SecretId);
      if (ForceDeleteWithoutRecovery === true && RecoveryWindowInDays !== undefined) {
        throw new ServiceError('InvalidParameterException', 'You can\'t use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.');
      }
      const now = epochSeconds();
      if (ForceDeleteWithoutRecovery === true) secrets.delete(secret.name);
      else secret.deletedSeconds = now;
      const days = ForceDeleteWithoutRecovery === true ? 0 : typeof RecoveryWindowInDays === 'number' ? RecoveryWindowInDays : 30;
      return { ARN: secret.arn, Name: secret.name, DeletionDate: now + days * 86_400 };
    },
    // The name filter (a prefix, as AWS matches it) and the first 100: what the tests' leftover checks need.
    ListSecrets: ({ Filters }) => {
      const filters = Array.isArray(Filters) ? Filters as { Key?: string; Values?: string[] }[] : [];
      const prefixes = filters.filter((f) => f.Key === 'name').flatMap((f) => f.Values ?? []);
      const list = [...secrets.values()].filter((s) => s.deletedSeconds === undefined && (prefixes.length === 0 || prefixes.some((p) => s.name.startsWith(p))));
      return { SecretList: list.slice(0, 100).map((s) => ({ ARN: s.arn, Name: s.name, CreatedDate: s.createdSeconds, LastChangedDate: s.changedSeconds })) };
    },
    DescribeSecret: ({ SecretId }) => {
      const secret = find(SecretId);
      return {
        ARN: secret.arn, Name: secret.name, Description: secret.description, CreatedDate: secret.createdSeconds,
        LastChangedDate: secret.changedSeconds, VersionIdsToStages: stages(secret),
      };
    },
  };

  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => reply(response, 500, { __type: 'InternalServiceError', message: String(error) }));
  });
  async function handle(request: IncomingMessage, response: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const target = String(request.headers['x-amz-target'] ?? '');
    const [service, operation = ''] = target.split('.');
    const run = operations[operation];
    if (request.method !== 'POST' || service !== 'secretsmanager' || !run) {
      return reply(response, 400, { __type: 'UnknownOperationException', message: `Unknown operation ${target || '(no X-Amz-Target)'}` });
    }
    let input: Record<string, unknown>;
    try {
      input = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> : {};
    } catch {
      return reply(response, 400, { __type: 'SerializationException', message: 'The request body is not JSON.' });
    }
    try {
      reply(response, 200, run(input));
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      reply(response, 400, { __type: error.type, message: error.message });
    }
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  // Like the SDK client that talks to it, it lives as long as the process; it must not keep the process alive.
  server.unref();
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    }),
  };
}

function reply(response: ServerResponse, status: number, body: unknown) {
  const json = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(json),
    'x-amzn-requestid': randomUUID(),
    ...(status >= 400 ? { 'x-amzn-errortype': (body as { __type: string }).__type } : {}),
  });
  response.end(json);
}
