import { Signer } from '@aws-sdk/rds-signer';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { rdsIamToken } from '../../functions/_shared/rds-iam-token.ts';

const endpoint = { hostname: 'streamvibe-prod.proxy-c1abcdefghij.eu-west-1.rds.amazonaws.com', port: 5432, username: 'streamvibe_app', region: 'eu-west-1' };

afterEach(() => vi.useRealTimers());

describe('rdsIamToken (functions/_shared/rds-iam-token.ts): the IAM auth token RDS Proxy takes as password', () => {
  it.each([
    ['with a session token (a Lambda role)', { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'IQoJb3JpZ2luX2VjE//+Zz=' }],
    ['without a session token (long-term keys)', { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'c2VjcmV0/+=' }],
  ])('is byte for byte what @aws-sdk/rds-signer produces, %s', async (_, credentials) => {
    const now = new Date('2026-03-04T05:06:07.089Z');
    vi.useFakeTimers({ now, toFake: ['Date'] });

    const official = await new Signer({ ...endpoint, credentials }).getAuthToken();
    const ours = rdsIamToken({ ...endpoint, credentials, now });

    expect(ours).toBe(official);
    expect(ours).toMatch(/^streamvibe-prod\.proxy-[^/]+:5432\/\?Action=connect&DBUser=streamvibe_app&X-Amz-Algorithm=AWS4-HMAC-SHA256&/);
    expect(ours).toContain('X-Amz-Date=20260304T050607Z&X-Amz-Expires=900');
  });
});
