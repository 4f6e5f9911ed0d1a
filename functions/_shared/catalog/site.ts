import * as z from 'zod/mini';
import { once, readEnv } from '../env.ts';

/** The public website's URLs for discovery pages (sitemap, canonical URLs, robots.txt), and its env variable. */

/**
 * PUBLIC_SITE_URL: the site's origin (no trailing slash), e.g. https://streamvibe.app. Read once, when first needed
 * (the feature's Lambda asks at cold start).
 */
export const siteUrl = once(() => readEnv({
  PUBLIC_SITE_URL: z.string().check(z.maxLength(200),
    z.regex(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, 'must be an http(s) origin such as https://streamvibe.app')),
}).PUBLIC_SITE_URL.replace(/\/+$/, ''));

export const contentPageUrl = (site: string, id: string) => `${site}/content/${id}`;
export const creatorPageUrl = (site: string, slug: string) => `${site}/creator/${slug}`;
export const sitemapUrl = (site: string, page?: number) => `${site}/sitemap.xml${page === undefined ? '' : `?page=${page}`}`;

/**
 * INDEXNOW_KEY: the stage's one IndexNow key (public by design: engines fetch it from the site at `/<key>.txt`), 8–128
 * characters of a-z, A-Z, 0-9 and `-`, as IndexNow requires. The site serves it; the seo feature submits with it.
 */
export const indexNowKeySchema = () => z.string().check(z.regex(/^[a-zA-Z0-9-]{8,128}$/, 'must be 8–128 characters of a-z, A-Z, 0-9 and -'));
