/**
 * Instagram's media edge, as the sandbox plays it (the third-party API contract sheet, §2): `GET /me/media` (and
 * `/{ig-user-id}/media`, where `paging.next` points) on graph.instagram.com, newest first, Graph cursor paging, from the
 * account's catalogue. What real answers do that clients must survive is played deterministically by index: every
 * tenth item has no caption (index % 10 = 7) and hides its like count (index % 10 = 3, `like_count` left out).
 */
import { createHash } from 'node:crypto';
import type { CatalogueItem, ItemKind } from './catalogue.ts';
import { graphCursorIndex, graphEdge, graphError, graphLimit, graphPath, graphTimestamp, graphToken, selectFields } from './graph.ts';
import type { SandboxRequest, SandboxResponse, SandboxRoute, SandboxState } from './server.ts';

/** An Instagram account's mix: images, carousels, reels (`short`) and the odd feed video (`video`). */
export const INSTAGRAM_KINDS: readonly ItemKind[] = ['image', 'image', 'carousel', 'short', 'short', 'video'];
const MEDIA_DEFAULT_FIELDS = ['id'];
const CDN = 'https://scontent.cdninstagram.com/v/sandbox';

/** A media id as Instagram writes them (17–18 digits, as a string): stable per item or child. */
const mediaId = (seed: string) => `17${BigInt(`0x${createHash('sha256').update(seed).digest('hex').slice(0, 13)}`).toString().padStart(16, '0')}`;
const shortcode = (key: string) => Buffer.from(key, 'hex').toString('base64url').slice(0, 11);

/** An item as the media edge shows it; absent fields are undefined (left out of the JSON, still selectable). */
export function instagramMedia(item: CatalogueItem): Record<string, unknown> {
  const id = mediaId(item.key);
  const video = item.kind === 'short' || item.kind === 'video';
  const mediaType = item.kind === 'carousel' ? 'CAROUSEL_ALBUM' : video ? 'VIDEO' : 'IMAGE';
  const children = item.kind === 'carousel'
    ? Array.from({ length: item.children }, (_, child) => {
      const childId = mediaId(`${item.key}:${child}`);
      const childVideo = child % 3 === 2;
      return { id: childId, media_type: childVideo ? 'VIDEO' : 'IMAGE', media_url: `${CDN}/${childId}.${childVideo ? 'mp4' : 'jpg'}`, thumbnail_url: childVideo ? `${CDN}/${childId}_thumb.jpg` : undefined };
    })
    : undefined;
  return {
    id,
    caption: item.index % 10 === 7 ? undefined : `${item.description}\n\n${item.tags.map((tag) => `#${tag}`).join(' ')}`,
    media_type: mediaType,
    media_product_type: item.kind === 'short' ? 'REELS' : 'FEED',
    media_url: `${CDN}/${id}.${video ? 'mp4' : 'jpg'}`,
    permalink: `https://www.instagram.com/${item.kind === 'short' ? 'reel' : 'p'}/${shortcode(item.key)}/`,
    thumbnail_url: video ? `${CDN}/${id}_thumb.jpg` : undefined,
    timestamp: graphTimestamp(item.publishedAt),
    like_count: item.index % 10 === 3 ? undefined : item.likes,
    comments_count: item.comments,
    children: children && { data: children },
  };
}

/** The media routes; `/me` itself (the profile) is in instagram.ts. */
export function instagramContentRoutes(state: SandboxState): SandboxRoute[] {
  function media(request: SandboxRequest, userId: string | undefined): SandboxResponse {
    const token = graphToken(state, 'instagram', request.bearer());
    if ('status' in token) return token;
    if (userId !== undefined && userId !== token.account.id) {
      return graphError(400, 100, `Unsupported get request. Object with ID '${userId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation`, { subcode: 33, type: 'GraphMethodException' });
    }
    const after = graphCursorIndex(request.query.get('after'));
    if (typeof after === 'object') return after;
    const catalogue = state.catalogue('instagram', token.account.login, INSTAGRAM_KINDS);
    const page = catalogue.page(graphLimit(request.query), after);
    const data: Record<string, unknown>[] = [];
    for (const item of page.items) {
      const fields = selectFields(instagramMedia(item), request.query.get('fields'), MEDIA_DEFAULT_FIELDS, 'IGMedia');
      if ('error' in fields) return fields.error;
      data.push(fields.selected);
    }
    return graphEdge(request, `${token.account.id}/media`, data, { first: page.items[0]?.index, last: page.items.at(-1)?.index, more: page.next !== undefined });
  }

  return [
    { method: 'GET', host: 'graph.instagram.com', path: graphPath('me/media'), handle: (request) => media(request, undefined) },
    { method: 'GET', host: 'graph.instagram.com', path: graphPath('(\\d+)/media'), handle: (request, match) => media(request, match![1]) },
  ];
}
