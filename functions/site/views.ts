import type { CardRow } from '../_shared/catalog/content-sql.ts';
import { contentPageMetadata, creatorPageMetadata, plain } from '../_shared/catalog/seo.ts';
import { html, safeUrl, type Html } from './html.ts';
import { document } from './layout.ts';
import type { ContentPage, CreatorPage } from './pages.ts';

/** The creator and content pages as HTML: every text from the database goes through `html`, so it is escaped. */

const COMPACT_UNITS = [[1e3, 'K'], [1e6, 'M'], [1e9, 'B'], [1e12, 'T']] as const;
/**
 * A count as English compact notation, as `Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 })`
 * writes it (12, 1.2K, 3.4M; test/site-count.test.ts compares them): building that formatter loads ICU's compact
 * data, 8 ms of every cold start of the site's Lambda (`npm run bundle:sizes`), for a few counts a page.
 */
export function compactCount(n: number): string {
  // The largest unit the count reaches, then the next one up when rounding makes 1000 of it (999,950 → 1M).
  let at = COMPACT_UNITS.length - 1;
  while (at >= 0 && Math.abs(n) < COMPACT_UNITS[at]![0]) at -= 1;
  if (at < 0) return String(Math.round(n));
  // Tenths of the unit, rounded half up as Intl does (integer arithmetic: 1,050 is 10.5 tenths of a K exactly).
  const tenths = (index: number) => Math.round((Math.abs(n) * 10) / COMPACT_UNITS[index]![0]);
  if (tenths(at) >= 10_000 && at < COMPACT_UNITS.length - 1) at += 1;
  return `${(Math.sign(n) * tenths(at)) / 10}${COMPACT_UNITS[at]![1]}`;
}
const count = { format: compactCount };
const day = (iso: string) => html`<time datetime="${iso}">${iso.slice(0, 10)}</time>`;
// Links between pages are relative: the same HTML works on the site's origin and on the API's (npm start).
const creatorPath = (slug: string) => `/creator/${encodeURIComponent(slug)}`;
const contentPath = (id: string) => `/content/${encodeURIComponent(id)}`;

function cards(items: CardRow[]): Html {
  return html`<ul class="cards">${items.map((item) => {
    const thumbnail = safeUrl(item.thumbnail_url);
    return html`<li>
<a href="${contentPath(item.id)}">${thumbnail ? html`<img src="${thumbnail}" alt="" loading="lazy">` : ''}<strong>${plain(item.title) || 'Untitled'}</strong></a>
<div>${item.creator_slug ? html`<a href="${creatorPath(item.creator_slug)}">${plain(item.creator_display_name) || item.creator_slug}</a> · ` : ''}${day(item.published_at)} · ${count.format(item.views_count)} views</div>
</li>`;
  })}</ul>`;
}

/** A creator's page: profile, stats, accounts, newest items and a keyset "more" link. */
export function creatorDocument(site: string, { creator, items, page, continued }: CreatorPage): string {
  const meta = creatorPageMetadata(site, creator);
  const name = plain(creator.display_name) || creator.profile_slug;
  const avatar = safeUrl(creator.avatar_url);
  const website = safeUrl(creator.website_url);
  const accounts = creator.accounts.map((account) => {
    const url = safeUrl(account.profile_url);
    const label = html`${account.platform_name}${account.handle ? html` ${account.handle}` : ''}`;
    return html`<li>${url ? html`<a href="${url}" rel="nofollow noopener me">${label}</a>` : label} (${count.format(account.follower_count)} followers)</li>`;
  });
  const more = page.next_cursor
    ? html`<a class="more" rel="next" href="${`${creatorPath(creator.profile_slug)}?cursor=${encodeURIComponent(page.next_cursor)}`}">More from ${name}</a>`
    : '';
  return document(meta, html`<section class="profile">
${avatar ? html`<img src="${avatar}" alt="${name}">` : ''}
<div><h1>${name}${creator.is_verified ? html` <span title="Verified">✔</span>` : ''}</h1>
<p>${plain(creator.bio)}</p>
${website ? html`<p><a href="${website}" rel="nofollow noopener">${website}</a></p>` : ''}</div>
</section>
<ul class="stats">
<li><strong>${count.format(creator.total_followers)}</strong> followers</li>
<li><strong>${count.format(creator.total_content)}</strong> items</li>
<li><strong>${count.format(creator.total_views)}</strong> views</li>
<li>Joined ${day(creator.joined_at)}</li>
${creator.primary_category ? html`<li>${creator.primary_category}</li>` : ''}
</ul>
${accounts.length ? html`<ul class="accounts">${accounts}</ul>` : ''}
<h2>${continued ? 'More items' : 'Newest items'}</h2>
${items.length ? cards(items) : html`<p>Nothing published yet.</p>`}
${more}`, { noindex: continued });
}

/** The video id of a YouTube watch, short or youtu.be URL, for the embed player. */
export function youtubeId(url: string | null): string | undefined {
  if (!url) return undefined;
  const match = url.match(/^https:\/\/(?:(?:www\.|m\.)?youtube\.com\/(?:watch\?(?:.*&)?v=|shorts\/|embed\/)|youtu\.be\/)([A-Za-z0-9_-]{11})(?:[?&#/]|$)/);
  return match?.[1];
}

/** A content page: title, creator, the YouTube player or the thumbnail, description, tags and related items. */
export function contentDocument(site: string, { item, related }: ContentPage): string {
  const meta = contentPageMetadata(site, item);
  const title = plain(item.title) || 'Untitled';
  const video = item.platform === 'youtube' ? youtubeId(item.url) : undefined;
  const thumbnail = safeUrl(item.thumbnail_url);
  const original = safeUrl(item.url);
  const media = video
    ? html`<iframe src="${`https://www.youtube.com/embed/${video}`}" title="${title}" loading="lazy" allowfullscreen
  allow="accelerometer; clipboard-write; encrypted-media; gyroscope; picture-in-picture"></iframe>`
    : thumbnail ? html`<img src="${thumbnail}" alt="${title}">` : '';
  return document(meta, html`<article>
<h1>${title}</h1>
<p>${item.creator_slug ? html`<a href="${creatorPath(item.creator_slug)}">${plain(item.creator_display_name) || item.creator_slug}</a> · ` : ''}${day(item.published_at)}${item.platform_name ? html` · ${item.platform_name}` : ''}</p>
${media ? html`<div class="media">${media}</div>` : ''}
<ul class="stats">
<li><strong>${count.format(item.views_count)}</strong> views</li>
<li><strong>${count.format(item.likes_count)}</strong> likes</li>
<li><strong>${count.format(item.comments_count)}</strong> comments</li>
${item.category_name ? html`<li>${item.category_name}</li>` : ''}
</ul>
<p class="description">${item.description}</p>
${item.tags.length ? html`<ul class="tags">${item.tags.map((t) => html`<li>${t.tag}</li>`)}</ul>` : ''}
${original ? html`<p><a href="${original}" rel="nofollow noopener">View the original${item.platform_name ? html` on ${item.platform_name}` : ''}</a></p>` : ''}
</article>
${related.length ? html`<section><h2>Related</h2>${cards(related)}</section>` : ''}`);
}
