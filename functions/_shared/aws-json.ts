import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ConfigError } from './env.ts';
import { sha256Hex, sign, signingScope, type SigningCredentials } from './sigv4.ts';

/** An AWS service's error answer (`__type` and message). */
export class AwsServiceError extends Error {
  override name = 'AwsServiceError';
  constructor(readonly type: string, message: string, readonly status: number) {
    super(`${type}: ${message}`);
  }
}

export interface AwsJsonService {
  /** The signing name and endpoint prefix (`secretsmanager`). */
  name: string;
  /** `AWS_ENDPOINT_URL_<envKey>` overrides the endpoint, as for the SDK. */
  envKey: string;
  targetPrefix: string;
}
export const SECRETS_MANAGER: AwsJsonService = { name: 'secretsmanager', envKey: 'SECRETS_MANAGER', targetPrefix: 'secretsmanager' };

/** Signature Version 4 headers of one POST of a JSON body to `url` (`test/aws-sigv4.test.ts` checks them against the SDK's signer). */
export function signAwsPost(url: URL, body: string, headers: Record<string, string>, scope: { region: string; service: string },
  credentials: SigningCredentials, now = new Date()): Record<string, string> {
  const { amzDate, scope: credentialScope } = signingScope(now, scope.region, scope.service);
  const all: Record<string, string> = {
    ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v.trim()])),
    host: url.host, 'x-amz-date': amzDate,
    ...(credentials.sessionToken ? { 'x-amz-security-token': credentials.sessionToken } : {}),
  };
  const names = Object.keys(all).sort();
  const signedHeaders = names.join(';');
  const canonical = ['POST', url.pathname || '/', '', ...names.map((n) => `${n}:${all[n]}`), '', signedHeaders, sha256Hex(body)].join('\n');
  const signature = sign(canonical, amzDate, credentialScope, credentials.secretAccessKey);
  return { ...all, authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signature}` };
}

function post(url: URL, headers: Record<string, string>, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method: 'POST', headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url.host} within 10 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** The answer's JSON object; a body that is not one (a proxy's HTML error page) as an empty object. */
function parseJson(text: string): Record<string, unknown> {
  try {
    const value: unknown = text ? JSON.parse(text) : {};
    return value !== null && typeof value === 'object' ? value as Record<string, unknown> : {};
  } catch {
    return {};
  }
}

const RETRYABLE = new Set(['ThrottlingException', 'InternalServiceError', 'ServiceUnavailableException']);

/**
 * One call of an AWS JSON-protocol API (POST /, `X-Amz-Target: <prefix>.<Operation>`), SigV4-signed, over node:https.
 * Why not a library: the SDK client's import cost 29–50 ms of a cold start and aws4fetch's Request/Headers load
 * Node's fetch (undici) on first use, 19–21 ms; node:http is loaded before any function and signing is node:crypto
 * (`npm run bundle:sizes` has the numbers). Credentials and region are the Lambda runtime's variables; the endpoint
 * follows the SDK's rules: `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL` (the local stack's), then the
 * regional one. Throttling, 5xx answers and network errors are retried twice with jittered backoff, as the SDK's
 * standard mode does.
 */
export async function awsJsonCall<T>(service: AwsJsonService, operation: string, input: Record<string, unknown>): Promise<T> {
  const { AWS_REGION: region, AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = process.env;
  if (!region || !accessKeyId || !secretAccessKey) throw new ConfigError('AWS_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set (the Lambda runtime sets them)');
  const url = new URL(process.env[`AWS_ENDPOINT_URL_${service.envKey}`] ?? process.env.AWS_ENDPOINT_URL ?? `https://${service.name}.${region}.amazonaws.com/`);
  const body = JSON.stringify(input);
  for (let attempt = 1; ; attempt += 1) {
    const headers = signAwsPost(url, body, { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${service.targetPrefix}.${operation}` },
      { region, service: service.name }, { accessKeyId, secretAccessKey, sessionToken });
    const backoff = () => new Promise((resume) => setTimeout(resume, Math.random() * 100 * 2 ** attempt));
    const sent = await post(url, { ...headers, 'content-length': String(Buffer.byteLength(body)) }, body).catch((error: unknown) => {
      // A connection refused, reset or timed out: sent again (the operations used carry idempotency tokens or are reads).
      if (attempt >= 3) throw error;
      return undefined;
    });
    if (!sent) {
      await backoff();
      continue;
    }
    const { status, text } = sent;
    const answer = parseJson(text);
    if (status >= 200 && status < 300) return answer as T;
    // `__type` may carry a namespace (`com.amazonaws.secretsmanager#ResourceNotFoundException`).
    const type = String(answer.__type ?? `HTTP${status}`).split('#').at(-1)!;
    if (attempt < 3 && (status >= 500 || RETRYABLE.has(type))) {
      await backoff();
      continue;
    }
    throw new AwsServiceError(type, String(answer.message ?? answer.Message ?? `HTTP ${status}`), status);
  }
}
