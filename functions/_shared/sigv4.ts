import { createHash, createHmac } from 'node:crypto';

/**
 * AWS Signature Version 4, as AWS documents it (canonical request → string to sign → HMAC chain), for the two
 * signatures the functions make without an SDK: RDS IAM tokens (a presigned URL) and JSON-protocol calls (a header).
 * Tests compare both with the SDK's own signers (test/infra/rds-iam-token.test.ts, test/aws-sigv4.test.ts).
 */
export interface SigningCredentials { accessKeyId: string; secretAccessKey: string; sessionToken?: string }

export const sha256Hex = (data: string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** RFC 3986 encoding, as SigV4 canonicalisation wants it. */
export const escapeUri = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** `20261202T235958Z` and the credential scope of a signing time. */
export function signingScope(now: Date, region: string, service: string) {
  const amzDate = now.toISOString().replace(/[-:]|\.\d{3}/g, '');
  return { amzDate, scope: `${amzDate.slice(0, 8)}/${region}/${service}/aws4_request` };
}

/** The hex signature of a canonical request (its lines already joined) under a scope from signingScope. */
export function sign(canonicalRequest: string, amzDate: string, scope: string, secretAccessKey: string): string {
  const [date, region, service] = scope.split('/') as [string, string, string];
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), 'aws4_request');
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}
