import { createHash, createHmac } from 'node:crypto';

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
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Signing time (default now). */
  now?: Date;
}

const TOKEN_TTL_SECONDS = 900;
/** SHA-256 of the empty payload, spelt out rather than hashed at import, on every cold start of every Lambda. */
const EMPTY_PAYLOAD_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** RFC 3986 encoding, as SigV4 canonicalisation wants it. */
const escapeUri = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
const hmac = (key: string | Buffer, text: string) => createHmac('sha256', key).update(text).digest();

/** Presigns `GET https://host:port/?Action=connect&DBUser=…` for service rds-db. */
export function rdsIamToken({ hostname, port, username, region, credentials, now = new Date() }: RdsIamTokenRequest): string {
  const longDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const shortDate = longDate.slice(0, 8);
  const scope = `${shortDate}/${region}/rds-db/aws4_request`;
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
  const stringToSign = ['AWS4-HMAC-SHA256', longDate, scope, sha256Hex(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${credentials.secretAccessKey}`, shortDate);
  for (const part of [region, 'rds-db', 'aws4_request']) key = hmac(key, part);
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  return `${host}/?${queryString({ ...query, 'X-Amz-Signature': signature })}`;
}
