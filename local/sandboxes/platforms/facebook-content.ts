/**
 * A Page's posts and counts, as the sandbox plays them (the third-party API contract sheet, §2): on graph.facebook.com,
 * `GET /{page-id}` (followers_count, fan_count) and `GET /{page-id}/published_posts`, newest first with Graph cursor
 * paging, from the Page owner's catalogue; both need the Page token (a user token gets Graph's #210). Catalogue kinds
 * become attachments: text → none, image → photo, video and short → video (`video_inline`), carousel → album with
 * subattachments. Graph leaves `shares` out of a post nobody shared: played on index % 10 = 5, and every tenth
 * non-text post has no message (index % 10 = 7).
 */
import { createHash } from 'node:crypto';
import type { CatalogueItem } from './catalogue.ts';
import { facebookPage } from './facebook.ts';
import { graphCursorIndex, graphEdge, graphError, graphLimit, graphPath, graphTimestamp, graphToken, selectFields } from './graph.ts';
import type { IssuedToken, SandboxRequest, SandboxResponse, SandboxRoute, SandboxState } from './server.ts';

const POST_DEFAULT_FIELDS = ['created_time', 'message'];
const CDN = 'https://scontent.xx.fbcdn.net/v/sandbox';

const digits = (seed: string, length: number) => BigInt(`0x${createHash('sha256').update(seed).digest('hex').slice(0, 15)}`).toString().padStart(length, '0').slice(0, length);

function media(id: string, video: boolean) {
  return { image: { height: 720, src: `${CDN}/${id}.jpg`, width: 1280 }, ...(video ? { source: `https://video.xx.fbcdn.net/v/sandbox/${id}.mp4` } : {}) };
}

/** An item as a post of Page `pageId`; absent fields are undefined (left out of the JSON, still selectable). */
export function facebookPost(pageId: string, item: CatalogueItem): Record<string, unknown> {
  const postId = digits(item.key, 16);
  const permalink = `https://www.facebook.com/${pageId}/posts/${postId}`;
  const video = item.kind === 'video' || item.kind === 'short';
  let attachment: Record<string, unknown> | undefined;
  if (item.kind === 'carousel') {
    const subattachments = Array.from({ length: item.children }, (_, child) => {
      const id = digits(`${item.key}:${child}`, 16);
      const childVideo = child % 3 === 2;
      return { media_type: childVideo ? 'video' : 'photo', type: childVideo ? 'video' : 'photo', media: media(id, childVideo), target: { id, url: `https://www.facebook.com/photo.php?fbid=${id}` }, url: `https://www.facebook.com/photo.php?fbid=${id}` };
    });
    attachment = { media_type: 'album', type: 'album', media: media(postId, false), subattachments: { data: subattachments }, url: permalink };
  } else if (item.kind !== 'text') {
    attachment = { media_type: video ? 'video' : 'photo', type: video ? 'video_inline' : 'photo', media: media(postId, video), url: `https://www.facebook.com/${pageId}/${video ? 'videos' : 'photos'}/${postId}/` };
  }
  return {
    id: `${pageId}_${postId}`,
    message: item.kind !== 'text' && item.index % 10 === 7 ? undefined : `${item.description} ${item.tags.map((tag) => `#${tag}`).join(' ')}`,
    created_time: graphTimestamp(item.publishedAt),
    permalink_url: permalink,
    full_picture: attachment ? `${CDN}/${postId}_full.jpg` : undefined,
    attachments: attachment && { data: [attachment] },
    shares: item.index % 10 === 5 ? undefined : { count: item.shares },
    reactions: { data: [], summary: { total_count: item.likes, viewer_reaction: 'NONE' } },
    comments: { data: [], summary: { order: 'ranked', total_count: item.comments, can_comment: true } },
  };
}

/** The content routes; `isPageToken` tells a Page token from a user token (facebook.ts issues both). */
export function facebookContentRoutes(state: SandboxState, isPageToken: (value: string) => boolean): SandboxRoute[] {
  /** The Page token a call on Page `pageId` carries, or Graph's refusal. */
  function pageToken(request: SandboxRequest, pageId: string): { token: IssuedToken; page: Record<string, unknown> } | SandboxResponse {
    const value = request.bearer();
    const token = graphToken(state, 'facebook', value, request.query.get('appsecret_proof'));
    if ('status' in token) return token;
    const page = facebookPage(token.account);
    if (!page || page.id !== pageId) {
      return graphError(400, 100, `Unsupported get request. Object with ID '${pageId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation`, { subcode: 33, type: 'GraphMethodException' });
    }
    if (!isPageToken(value!)) return graphError(400, 210, '(#210) A page access token is required to request this resource.');
    return { token, page };
  }

  function posts(request: SandboxRequest, pageId: string): SandboxResponse {
    const checked = pageToken(request, pageId);
    if ('status' in checked) return checked;
    if (!checked.token.scopes.includes('pages_read_engagement')) return graphError(403, 10, "(#10) This endpoint requires the 'pages_read_engagement' permission");
    const after = graphCursorIndex(request.query.get('after'));
    if (typeof after === 'object') return after;
    const page = state.catalogue('facebook', checked.token.account.login).page(graphLimit(request.query), after);
    const data: Record<string, unknown>[] = [];
    for (const item of page.items) {
      const fields = selectFields(facebookPost(pageId, item), request.query.get('fields'), POST_DEFAULT_FIELDS, 'PagePost');
      if ('error' in fields) return fields.error;
      data.push(fields.selected);
    }
    return graphEdge(request, `${pageId}/published_posts`, data, { first: page.items[0]?.index, last: page.items.at(-1)?.index, more: page.next !== undefined });
  }

  return [
    { method: 'GET', host: 'graph.facebook.com', path: graphPath('(\\d+)/published_posts'), handle: (request, match) => posts(request, match![1]!) },
    {
      method: 'GET', host: 'graph.facebook.com', path: graphPath('(\\d+)'),
      handle: (request, match) => {
        const checked = pageToken(request, match![1]!);
        if ('status' in checked) return checked;
        const { access_token: _token, ...page } = checked.page;
        const fields = selectFields(page, request.query.get('fields'), ['name'], 'Page');
        return 'error' in fields ? fields.error : { status: 200, body: fields.selected };
      },
    },
  ];
}
