import type { Sql } from 'postgres';
// The caller helpers, not _shared/db.ts: importing the builders (benchmarks) must not open the process-wide client.
import { asAnon } from '../../db/context.ts';
import { NotFoundError } from '../_shared/errors.ts';
import { sitemapEstimateQuery, sitemapUrlsQuery, type SitemapRow } from './sitemap-sql.ts';
import { contentPageUrl, creatorPageUrl, sitemapUrl } from '../_shared/catalog/site.ts';

/** The sitemap protocol's limit per file. */
export const MAX_URLS_PER_SITEMAP = 50_000;
/** Parts are planned at half the limit, so an outdated estimate or an uneven uuid range still fits. */
export const TARGET_URLS_PER_PART = 25_000;
const UUID_PREFIX_SPACE = 2 ** 32;

const escapeXml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

/** The uuid range of part `part` (1-based) of `parts`: an even split of the first 32 bits. */
export function partRange(part: number, parts: number): { from?: string; to?: string } {
  const bound = (k: number) => `${Math.floor((k * UUID_PREFIX_SPACE) / parts).toString(16).padStart(8, '0')}-0000-0000-0000-000000000000`;
  return { from: part === 1 ? undefined : bound(part - 1), to: part === parts ? undefined : bound(part) };
}

export function urlsetXml(site: string, rows: SitemapRow[]): string {
  const urls = rows.map((row) => {
    const loc = row.kind === 'creator' ? creatorPageUrl(site, row.key) : contentPageUrl(site, row.key);
    return `<url><loc>${escapeXml(loc)}</loc><lastmod>${escapeXml(row.lastmod)}</lastmod></url>`;
  });
  return ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">', ...urls, '</urlset>', '']
    .join('\n');
}

export function sitemapIndexXml(site: string, parts: number): string {
  const entries = Array.from({ length: parts }, (_, i) => `<sitemap><loc>${escapeXml(sitemapUrl(site, i + 1))}</loc></sitemap>`);
  return ['<?xml version="1.0" encoding="UTF-8"?>', '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">', ...entries,
    '</sitemapindex>', ''].join('\n');
}

/**
 * /sitemap.xml: one urlset when the site is small; otherwise a sitemap index (no page) whose parts (?page=N) are
 * uuid ranges of ~TARGET_URLS_PER_PART URLs. Read as anon, so only discoverable pages are listed.
 */
export function buildSitemap(sql: Sql, site: string, page: number | undefined, targetUrlsPerPart = TARGET_URLS_PER_PART): Promise<string> {
  return asAnon(sql, async (tx) => {
    const [estimate] = await sitemapEstimateQuery(tx);
    const parts = Math.max(1, Math.ceil(estimate!.urls / targetUrlsPerPart));
    if (page === undefined && parts > 1) return sitemapIndexXml(site, parts);
    const part = page ?? 1;
    if (part > parts) throw new NotFoundError(`The sitemap has ${parts} part(s)`);
    return urlsetXml(site, await sitemapUrlsQuery(tx, partRange(part, parts), MAX_URLS_PER_SITEMAP));
  });
}

/** Paths crawlers must not fetch: the JSON API, sign-in and account pages, webhooks and the click counter. */
export const DISALLOWED_PATHS = [
  '/api/', '/auth', '/me', '/notifications', '/settings', '/dashboard', '/admin', '/oauth-', '/stripe-webhook',
  '/track-click', '/docs', '/browse-', '/search-', '/get-',
];

/** /robots.txt: exactly one group, for every crawler (the original added per-bot groups that overrode these rules). */
export function robotsTxt(site: string): string {
  return ['User-agent: *', ...DISALLOWED_PATHS.map((path) => `Disallow: ${path}`), '', `Sitemap: ${sitemapUrl(site)}`, ''].join('\n');
}
