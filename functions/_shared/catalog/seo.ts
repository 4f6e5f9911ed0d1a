import type { DetailRow, CreatorRow } from './page-sql.ts';
import { contentPageUrl, creatorPageUrl } from './site.ts';

/**
 * SEO metadata for a content or creator page. Text values are cleaned (control characters removed, whitespace
 * collapsed, truncated at a word) and HTML-escaped, ready for `<title>` and `<meta content="…">`. JSON-LD keeps plain
 * text (schema.org consumers read it as JSON), and `json_ld_script` is that JSON serialised so it cannot end a
 * `<script type="application/ld+json">` element early (<, >, & and line separators as \u escapes).
 */
export const SITE_NAME = 'StreamVibe';
const TITLE_CHARS = 70;
const DESCRIPTION_CHARS = 160;

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const HTML_SPECIAL = /[&<>"']/;
/** Text for HTML (an element's text or a quoted attribute): `&`, `<`, `>`, `"` and `'` as entities. Most text has none. */
export const escapeHtml = (text: string) => (HTML_SPECIAL.test(text) ? text.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!) : text);

/** What `plain` changes: a control character, whitespace other than a lone space, or whitespace at either end. */
const NOT_PLAIN = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[^\S ]|\s\s|^\s|\s$/;
/** Plain, single-line text: no control characters, whitespace collapsed (most text already is, and is returned as is). */
export const plain = (text: string | null | undefined) => (!text ? '' : !NOT_PLAIN.test(text) ? text
  : text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim());

/** At most `max` characters, cut at a word boundary with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const atWord = cut.replace(/\s+\S*$/, '');
  return `${(atWord.length >= max / 2 ? atWord : cut).trimEnd()}…`;
}

/** JSON for inside a <script> element: nothing in it can close the element or start markup. */
export const scriptSafeJson = (value: unknown) =>
  JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** ISO 8601 duration (PT#H#M#S) for schema.org. */
export function isoDuration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `PT${h ? `${h}H` : ''}${m ? `${m}M` : ''}${s || (!h && !m) ? `${s}S` : ''}`;
}

/** A page's metadata as plain text (not escaped): what the site's pages render and get-seo-metadata escapes. */
export interface PageMetadata {
  title: string;
  description: string;
  canonicalUrl: string;
  image: string | null;
  ogType: string;
  twitterCard: 'summary' | 'summary_large_image';
  jsonLd: Record<string, unknown>;
}

function render(meta: PageMetadata) {
  const title = escapeHtml(meta.title);
  const description = escapeHtml(meta.description);
  const image = meta.image ? { image: escapeHtml(meta.image) } : {};
  return {
    title,
    description,
    canonical_url: escapeHtml(meta.canonicalUrl),
    open_graph: { title, description, type: meta.ogType, url: escapeHtml(meta.canonicalUrl), site_name: SITE_NAME, ...image },
    twitter: { card: meta.twitterCard, title, description, ...image },
    json_ld: meta.jsonLd,
    json_ld_script: scriptSafeJson(meta.jsonLd),
  };
}

const IMAGE_TYPES = new Set(['image', 'carousel']);

/** Metadata of a content page: schema.org VideoObject, ImageObject or SocialMediaPosting. */
export function contentPageMetadata(site: string, item: DetailRow): PageMetadata {
  const name = plain(item.title) || 'Untitled';
  const creatorName = plain(item.creator_display_name) || item.creator_slug || 'a creator';
  const canonicalUrl = contentPageUrl(site, item.id);
  const description = truncate(plain(item.description) || `${name} by ${creatorName} on ${SITE_NAME}.`, DESCRIPTION_CHARS);
  const author = { '@type': 'Person', name: creatorName, ...(item.creator_slug ? { url: creatorPageUrl(site, item.creator_slug) } : {}) };
  const common = { '@context': 'https://schema.org', name, description, url: canonicalUrl, author };
  const jsonLd = item.is_video
    ? {
      ...common, '@type': 'VideoObject', uploadDate: item.published_at,
      ...(item.thumbnail_url ? { thumbnailUrl: [item.thumbnail_url] } : {}),
      ...(item.duration_seconds !== null ? { duration: isoDuration(item.duration_seconds) } : {}),
      ...(item.url ? { embedUrl: item.url } : {}),
      interactionStatistic: { '@type': 'InteractionCounter', interactionType: { '@type': 'WatchAction' }, userInteractionCount: item.views_count },
    }
    : IMAGE_TYPES.has(item.content_type ?? '')
      ? { ...common, '@type': 'ImageObject', uploadDate: item.published_at, contentUrl: item.media[0]?.url ?? item.thumbnail_url ?? item.url }
      : { ...common, '@type': 'SocialMediaPosting', headline: name, datePublished: item.published_at,
        ...(item.thumbnail_url ? { image: item.thumbnail_url } : {}) };
  return {
    title: `${truncate(name, TITLE_CHARS - SITE_NAME.length - 3)} | ${SITE_NAME}`,
    description, canonicalUrl, image: item.thumbnail_url,
    ogType: item.is_video ? 'video.other' : 'article',
    twitterCard: item.thumbnail_url ? 'summary_large_image' : 'summary',
    jsonLd,
  };
}

/** Metadata of a creator page: schema.org ProfilePage about a Person. */
export function creatorPageMetadata(site: string, creator: CreatorRow): PageMetadata {
  const name = plain(creator.display_name) || creator.profile_slug;
  const canonicalUrl = creatorPageUrl(site, creator.profile_slug);
  const description = truncate(plain(creator.bio) || `${name} on ${SITE_NAME}: videos, posts and social profiles.`, DESCRIPTION_CHARS);
  const sameAs = [creator.website_url, ...creator.accounts.map((a) => a.profile_url)].filter((url): url is string => !!url);
  const jsonLd = {
    '@context': 'https://schema.org', '@type': 'ProfilePage', url: canonicalUrl, name, dateCreated: creator.joined_at,
    dateModified: creator.updated_at,
    mainEntity: {
      '@type': 'Person', name, alternateName: creator.profile_slug, description, url: canonicalUrl,
      ...(creator.avatar_url ? { image: creator.avatar_url } : {}), ...(sameAs.length ? { sameAs } : {}),
      interactionStatistic: { '@type': 'InteractionCounter', interactionType: { '@type': 'FollowAction' }, userInteractionCount: creator.total_followers },
    },
  };
  return {
    title: `${truncate(name, TITLE_CHARS - SITE_NAME.length - 3)} | ${SITE_NAME}`,
    description, canonicalUrl, image: creator.avatar_url, ogType: 'profile', twitterCard: 'summary', jsonLd,
  };
}

/** get-seo-metadata's answer for a content page: the metadata HTML-escaped, and the JSON-LD script-safe. */
export const contentMetadata = (site: string, item: DetailRow) => render(contentPageMetadata(site, item));
/** get-seo-metadata's answer for a creator page. */
export const creatorMetadata = (site: string, creator: CreatorRow) => render(creatorPageMetadata(site, creator));
