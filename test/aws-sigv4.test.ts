import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { signAwsPost } from '../functions/_shared/aws-json.ts';

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
