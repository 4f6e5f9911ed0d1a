import type { Platform } from '../../../functions/oauth/providers/port.ts';

/**
 * The app credentials the sandbox has registered, one app per platform: `npm start` puts them in the local stage's
 * `oauth-clients` secret, and the tests use them. Any other client id is `invalid_client` at the sandbox.
 */
export const SANDBOX_CLIENTS: Record<Platform, { clientId: string; clientSecret: string }> = {
  youtube: { clientId: 'streamvibe-local.apps.googleusercontent.com', clientSecret: 'sandbox-google-secret' },
  instagram: { clientId: '1790000000000001', clientSecret: 'sandbox-instagram-secret' },
  tiktok: { clientId: 'awstreamvibelocal', clientSecret: 'sandbox-tiktok-secret' },
  facebook: { clientId: '1790000000000002', clientSecret: 'sandbox-facebook-secret' },
  twitter: { clientId: 'c3RyZWFtdmliZS1sb2NhbA', clientSecret: 'sandbox-x-secret' },
};
