import { BadRequestError } from '../_shared/errors.ts';

/** A page of the public site, as request_seo_submission takes it. */
export type SitePage = { contentItemId: string; creatorSlug: null } | { contentItemId: null; creatorSlug: string };

const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const SLUG = '[a-z0-9]+(?:-[a-z0-9]+)*';

/**
 * The page a submitted URL names: exactly `<site>/content/<id>` or `<site>/creator/<slug>` (the canonical URLs the
 * sitemap lists), nothing else. Whose page it is, and whether it is public, the database decides.
 */
export function pageOf(url: string, site: string): SitePage {
  const path = url.startsWith(`${site}/`) ? url.slice(site.length) : undefined;
  const content = path?.match(new RegExp(`^/content/(${UUID})$`));
  if (content) return { contentItemId: content[1]!.toLowerCase(), creatorSlug: null };
  const creator = path?.match(new RegExp(`^/creator/(${SLUG})$`));
  if (creator) return { contentItemId: null, creatorSlug: creator[1]! };
  throw new BadRequestError(`url must be one of your public pages: ${site}/content/<id> or ${site}/creator/<slug>`);
}

/**
 * A connection's site_url: on the public site (`<site>/`, or a path under it), normalised to its URL form. A
 * connection submits only the caller's own public pages whose URL it starts (see README.md).
 */
export function connectionSiteUrl(siteUrl: string, site: string): string {
  const normalised = URL.canParse(siteUrl) ? new URL(siteUrl).href : siteUrl;
  const root = new URL(`${site}/`).href;
  if (!normalised.startsWith(root) || /[?#]/.test(normalised)) {
    throw new BadRequestError(`site_url must be StreamVibe's public site (${root}) or a path on it: a connection submits your pages there`);
  }
  return normalised;
}
