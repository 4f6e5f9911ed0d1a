import * as z from 'zod/mini';
import { indexNowKeySchema, siteUrl } from '../_shared/catalog/site.ts';
import { once, readEnv } from '../_shared/env.ts';
import { realHosts, sandboxHosts, type IndexNowCredentials } from './engines/port.ts';

/**
 * The seo feature's settings. INDEXNOW_KEY: the stage's one IndexNow key (public: the site serves it at
 * `/<key>.txt`); unset, IndexNow is not offered. SEO_API_BASE_URL: only with the SEO sandbox (npm start, tests): every
 * engine host is then `<it>/<host>`; unset in AWS (the real hosts). PUBLIC_SITE_URL: the site whose pages are submitted.
 */
export const seoSettings = once(() => {
  const env = readEnv({
    INDEXNOW_KEY: z.optional(indexNowKeySchema()),
    SEO_API_BASE_URL: z.optional(z.string().check(z.maxLength(200), z.regex(/^https?:\/\/[^\s/?#]+\/?$/, 'must be the SEO sandbox’s URL'))),
  });
  return { site: siteUrl(), indexNowKey: env.INDEXNOW_KEY, hosts: env.SEO_API_BASE_URL ? sandboxHosts(env.SEO_API_BASE_URL) : realHosts };
});

/** StreamVibe's own IndexNow credentials: the stage's key for the public site's host, or undefined without a key. */
export function indexNowCredentials(): IndexNowCredentials | undefined {
  const { site, indexNowKey } = seoSettings();
  if (!indexNowKey) return undefined;
  return { key: indexNowKey, host: new URL(site).host, keyLocation: `${site}/${indexNowKey}.txt` };
}
