import { raw, type RawResponse } from '../../_shared/route.ts';
import { CONTENT_SECURITY_POLICY, errorDocument } from '../layout.ts';
import type { Loaded } from '../pages.ts';

/** What the site's routes share: tag, cache lifetimes, headers and how a loaded page becomes an answer. */
export const tags = ['Site'];
export const PAGE_CACHE = { maxAgeSeconds: 60, sMaxAgeSeconds: 300 };
/** A 404 is cached briefly: a creator who just made their page public shows up within a minute. */
const NOT_FOUND_CACHE_CONTROL = 'public, max-age=30, s-maxage=60';

const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8', 'content-security-policy': CONTENT_SECURITY_POLICY, 'x-content-type-options': 'nosniff',
};
export const responseHeaders = {
  'Content-Security-Policy': { description: 'No script runs on a page; images from https, frames from YouTube only', required: true },
};

/** 200 with the page, 410 when it was deleted, 404 otherwise; each an HTML document. */
export function answer<T>(loaded: Loaded<T>, render: (page: T) => string): RawResponse {
  if (loaded.found) return raw(200, render(loaded.page), HTML_HEADERS);
  if (loaded.gone) return raw(410, errorDocument(410), HTML_HEADERS);
  return raw(404, errorDocument(404), { ...HTML_HEADERS, 'cache-control': NOT_FOUND_CACHE_CONTROL });
}
