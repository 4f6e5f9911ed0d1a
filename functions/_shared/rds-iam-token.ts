import { escapeUri, sign, signingScope, type SigningCredentials } from './sigv4.ts';

/**
 * An RDS IAM authentication token: a SigV4-presigned `connect` URL (without its scheme) that RDS Proxy accepts as
 * the password, valid for 15 minutes. The same bytes as `@aws-sdk/rds-signer` (test/infra/rds-iam-token.test.ts
 * proves it), without its 100 KB of credential-provider chain: in Lambda the role's credentials are in the
 * environment.
 */
export interface RdsIamTokenRequest {
  hostname: string;
  port: number;
  username: string;
  region: string;
  credentials: SigningCredentials;
  /** Signing time (default now). */
  now?: Date;
}

const TOKEN_TTL_SECONDS = 900;
/** SHA-256 of the empty payload, spelt out rather than hashed at import, on every cold start of every Lambda. */
const EMPTY_PAYLOAD_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Presigns `GET https://host:port/?Action=connect&DBUser=…` for service rds-db. */
export function rdsIamToken({ hostname, port, username, region, credentials, now = new Date() }: RdsIamTokenRequest): string {
  const { amzDate: longDate, scope } = signingScope(now, region, 'rds-db');
  const host = `${hostname}:${port}`;
  const query: Record<string, string> = {
    Action: 'connect',
    DBUser: username,
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${credentials.accessKeyId}/${scope}`,
    'X-Amz-Date': longDate,
    'X-Amz-Expires': String(TOKEN_TTL_SECONDS),
    ...(credentials.sessionToken ? { 'X-Amz-Security-Token': credentials.sessionToken } : {}),
    'X-Amz-SignedHeaders': 'host',
  };
  const queryString = (q: Record<string, string>) => Object.keys(q).sort().map((k) => `${escapeUri(k)}=${escapeUri(q[k]!)}`).join('&');
  const canonicalQuery = queryString(query);
  const canonicalRequest = ['GET', '/', canonicalQuery, `host:${host}`, '', 'host', EMPTY_PAYLOAD_SHA256].join('\n');
  const signature = sign(canonicalRequest, longDate, scope, credentials.secretAccessKey);
  return `${host}/?${queryString({ ...query, 'X-Amz-Signature': signature })}`;
}
