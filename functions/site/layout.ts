import { SITE_NAME, type PageMetadata } from '../_shared/catalog/seo.ts';
import { Html, html, jsonLd, safeUrl } from './html.ts';

/** The document around a page: head with title, description, canonical, Open Graph, Twitter card and JSON-LD. */

const STYLE = new Html(`
body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1b1b1f;background:#f6f6f9}
header.site{background:#5b2ee0;color:#fff;padding:.75rem 1.25rem;font-weight:700}
header.site a{color:#fff;text-decoration:none}
main{max-width:960px;margin:0 auto;padding:1.25rem}
.profile{display:flex;gap:1rem;align-items:center}
.profile img{width:96px;height:96px;border-radius:50%;background:#ddd;object-fit:cover}
.stats{display:flex;flex-wrap:wrap;gap:1rem;padding:0;list-style:none;color:#555}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(210px,1fr));gap:1rem;padding:0;list-style:none}
.cards li{background:#fff;border-radius:8px;padding:.75rem;box-shadow:0 1px 3px #0002}
.cards img{width:100%;aspect-ratio:16/9;object-fit:cover;background:#ddd;border-radius:4px}
.tags{display:flex;flex-wrap:wrap;gap:.5rem;padding:0;list-style:none}
.tags li{background:#e8e2fb;border-radius:999px;padding:.1rem .6rem}
.media iframe,.media img{width:100%;aspect-ratio:16/9;border:0;background:#ddd}
.description{white-space:pre-line}
a.more{display:inline-block;margin-top:1rem;padding:.5rem 1rem;background:#5b2ee0;color:#fff;border-radius:6px;text-decoration:none}
`);

/**
 * No icon to fetch: a browser would otherwise ask for /favicon.ico with every first visit, which the key file's root
 * route (`GET /{file}`) would answer with a 404 from the site's Lambda, uncached.
 */
const NO_FAVICON = new Html('<link rel="icon" href="data:,">');

/**
 * The Content-Security-Policy of every page: no script runs (JSON-LD is data, not script), styles only inline, images
 * from https, frames only YouTube's embed player. A second wall behind the escaping.
 */
export const CONTENT_SECURITY_POLICY = "default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; "
  + "frame-src https://www.youtube.com https://www.youtube-nocookie.com; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** A whole page: `meta` fills the head (its text escaped here), `noindex` for pages past the first of a list. */
export function document(meta: PageMetadata, body: Html, options: { noindex?: boolean } = {}): string {
  const image = safeUrl(meta.image);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${NO_FAVICON}
<title>${meta.title}</title>
<meta name="description" content="${meta.description}">
<link rel="canonical" href="${meta.canonicalUrl}">
${options.noindex ? html`<meta name="robots" content="noindex, follow">` : ''}
<meta property="og:site_name" content="${SITE_NAME}">
<meta property="og:type" content="${meta.ogType}">
<meta property="og:title" content="${meta.title}">
<meta property="og:description" content="${meta.description}">
<meta property="og:url" content="${meta.canonicalUrl}">
${image ? html`<meta property="og:image" content="${image}">` : ''}
<meta name="twitter:card" content="${meta.twitterCard}">
<meta name="twitter:title" content="${meta.title}">
<meta name="twitter:description" content="${meta.description}">
${image ? html`<meta name="twitter:image" content="${image}">` : ''}
${jsonLd(meta.jsonLd)}
<style>${STYLE}</style>
</head>
<body>
<header class="site"><a href="/">${SITE_NAME}</a></header>
<main>
${body}
</main>
</body>
</html>
`.value;
}

/** The page for a 404 or a 410: a person sees what happened, a crawler is told not to index it. */
export function errorDocument(status: 404 | 410): string {
  const [heading, text] = status === 410
    ? ['This page has been removed', 'The creator or the content it showed was deleted.']
    : ['Page not found', 'There is no public page at this address.'];
  return html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8">${NO_FAVICON}<meta name="robots" content="noindex"><title>${heading} | ${SITE_NAME}</title><style>${STYLE}</style></head>
<body><header class="site"><a href="/">${SITE_NAME}</a></header><main><h1>${heading}</h1><p>${text}</p></main></body>
</html>
`.value;
}
