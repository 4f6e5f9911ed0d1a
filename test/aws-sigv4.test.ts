import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { createServer, type RequestListener } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { awsJsonCall, AwsServiceError, SECRETS_MANAGER, signAwsPost } from '../functions/_shared/aws-json.ts';

const bytes = (data: string | ArrayBuffer | ArrayBufferView) => (typeof data === 'string' ? data
  : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data));

/** The SDK's hash interface over node:crypto (what @smithy/hash-node does). */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) { this.hash = secret ? createHmac('sha256', bytes(secret)) : createHash('sha256'); }
  update(data: string | ArrayBuffer | ArrayBufferView) { this.hash.update(bytes(data)); }
  digest() { return Promise.resolve(new Uint8Array(this.hash.digest())); }
}

/** Our SigV4 signer (functions/_shared/aws-json.ts) against the AWS SDK's own, on the same requests. */
describe('signAwsPost', () => {
  const cases = [
    { url: 'https://secretsmanager.eu-west-1.amazonaws.com/', region: 'eu-west-1', token: undefined, body: '{"SecretId":"streamvibe/prod/env/STRIPE"}' },
    { url: 'http://127.0.0.1:4566/', region: 'us-east-1', token: 'IQoJb3JpZ2luX2VjE+session/token==', body: '{"SecretId":"a b","x":"é✓"}' },
    { url: 'https://secretsmanager.us-east-2.amazonaws.com', region: 'us-east-2', token: undefined, body: '' },
  ];
  for (const c of cases) {
    it(`signs like @smithy/signature-v4: ${c.url} (${c.token ? 'with' : 'no'} session token)`, async () => {
      const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: c.token };
      const now = new Date('2026-12-02T23:59:58.123Z');
      const url = new URL(c.url);
      const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' };
      const ours = signAwsPost(url, c.body, headers, { region: c.region, service: 'secretsmanager' }, credentials, now);
      const signer = new SignatureV4({ credentials, region: c.region, service: 'secretsmanager', sha256: Sha256, applyChecksum: false });
      const theirs = await signer.sign({
        method: 'POST', protocol: url.protocol, hostname: url.hostname, port: url.port ? Number(url.port) : undefined, path: url.pathname,
        headers: { ...headers, host: url.host }, body: c.body, query: {},
      }, { signingDate: now });
      expect(ours.authorization).toBe(theirs.headers.authorization);
      expect(ours['x-amz-date']).toBe(theirs.headers['x-amz-date']);
    });
  }
});

/** Runs `check` with Secrets Manager's endpoint pointed at a local server answering with `handler`. */
async function againstEndpoint(handler: RequestListener, check: () => Promise<void>) {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const saved = { ...process.env };
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'secret',
  });
  try {
    await check();
  } finally {
    process.env = saved;
    server.close();
  }
}

describe('awsJsonCall', () => {
  it('retries a 5xx twice, then reports a non-JSON answer (a proxy’s error page) by its status', async () => {
    let calls = 0;
    let signed = true;
    await againstEndpoint((req, res) => {
      calls += 1;
      signed &&= /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-west-1\/secretsmanager\/aws4_request/.test(req.headers.authorization ?? '');
      res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad Gateway</html>');
    }, async () => {
      const error = await awsJsonCall(SECRETS_MANAGER, 'GetSecretValue', { SecretId: 'x' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AwsServiceError);
      expect(error).toMatchObject({ type: 'HTTP502', status: 502 });
      expect({ calls, signed }).toEqual({ calls: 3, signed: true });
    });
  });

  it('sends again after a network error (the connection cut), then answers', async () => {
    let calls = 0;
    await againstEndpoint((req, res) => {
      calls += 1;
      // The first attempt's connection is cut before any answer; the second gets the secret.
      if (calls === 1) return void req.socket.destroy();
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ SecretString: 'value' }));
    }, async () => {
      expect(await awsJsonCall(SECRETS_MANAGER, 'GetSecretValue', { SecretId: 'x' })).toEqual({ SecretString: 'value' });
      expect(calls).toBe(2);
    });
  });
});
