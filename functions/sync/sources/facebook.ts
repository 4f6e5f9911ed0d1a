/**
 * A Facebook Page's posts: `GET graph.facebook.com/v23.0/{page-id}/published_posts` with the Page token (and its
 * appsecret_proof), newest first, 100 a page, Graph cursor paging. Posts alone, not also `/{page-id}/videos`: a video
 * the Page publishes is a post whose attachment is a video, so posts cover them in one newest-first stream, where
 * merging a second edge would need a two-sided cursor and would list each video twice; what posts miss are videos
 * uploaded without a post (drafts, secret or ad-only videos), which are not the Page's public content anyway.
 *
 * Types by the first attachment: photo → image, video → long_video (attachments carry no length to tell a short one
 * by; Page videos published as posts are mostly long-form), album or subattachments → carousel (children as media),
 * none or anything else (link, event, share) → post. Likes are the reactions' total; Graph leaves `shares` out of a
 * post nobody shared, which stays undefined here like any unreported counter.
 */
import * as z from 'zod/mini';
import { appsecretProof, GRAPH_API_VERSION, graphError } from '../../oauth/providers/graph.ts';
import { ProviderError, type TokenSet } from '../../oauth/providers/port.ts';
import { GraphPaging, nextGraphCursor } from './graph.ts';
import type { ContentSource, ContentTypeSlug, SourceItem, SourceMedia, SourceOptions } from './port.ts';
import { hashtags, isoTime, readJson } from './read.ts';

const PAGE_SIZE = 100;
const POST_FIELDS = 'id,message,created_time,permalink_url,full_picture,attachments{media_type,type,media,subattachments,url},shares,reactions.summary(true),comments.summary(true)';

const nonEmpty = z.string().check(z.minLength(1));
const AttachmentMedia = z.object({
  image: z.optional(z.object({ src: z.string(), width: z.optional(z.number()), height: z.optional(z.number()) })),
  source: z.optional(z.string()),
});
const Subattachment = z.object({ media_type: z.optional(z.string()), media: z.optional(AttachmentMedia) });
const Attachment = z.object({
  media_type: z.optional(z.string()),
  type: z.optional(z.string()),
  subattachments: z.optional(z.object({ data: z.array(Subattachment) })),
});
const Summary = z.optional(z.object({ summary: z.object({ total_count: z.number() }) }));
const Post = z.object({
  id: nonEmpty,
  message: z.optional(z.string()),
  created_time: nonEmpty,
  permalink_url: z.optional(z.string()),
  full_picture: z.optional(z.string()),
  attachments: z.optional(z.object({ data: z.array(Attachment) })),
  shares: z.optional(z.object({ count: z.number() })),
  reactions: Summary,
  comments: Summary,
});
type Post = z.output<typeof Post>;
const PostPage = z.object({ data: z.array(Post), paging: GraphPaging });
const PageCounts = z.object({ followers_count: z.optional(z.number()), fan_count: z.optional(z.number()) });

function postType(attachment: z.output<typeof Attachment> | undefined): ContentTypeSlug {
  if (!attachment) return 'post';
  if (attachment.media_type === 'album' || attachment.subattachments?.data.length) return 'carousel';
  if (attachment.media_type === 'photo') return 'image';
  if (attachment.media_type === 'video') return 'long_video';
  return 'post';
}

function toItem(post: Post): SourceItem {
  const attachment = post.attachments?.data[0];
  const type = postType(attachment);
  const media: SourceMedia[] = type !== 'carousel' ? [] : (attachment?.subattachments?.data ?? []).flatMap(({ media_type: kind, media: child }) => {
    const url = kind === 'video' ? child?.source ?? child?.image?.src : child?.image?.src;
    if (!url) return [];
    return [{ mediaType: kind === 'video' ? 'video' as const : 'image' as const, url, thumbnailUrl: kind === 'video' ? child?.image?.src : undefined, width: child?.image?.width, height: child?.image?.height }];
  });
  return {
    platformContentId: post.id,
    type,
    title: '',
    description: post.message ?? '',
    url: post.permalink_url,
    thumbnailUrl: post.full_picture,
    publishedAt: isoTime('facebook', post.created_time),
    likes: post.reactions?.summary.total_count,
    comments: post.comments?.summary.total_count,
    shares: post.shares?.count,
    tags: hashtags(post.message),
    media,
    platformData: { attachmentType: attachment?.type ?? null },
  };
}

/** The Facebook (Page) adapter of the content port. */
export function facebookSource(options: SourceOptions): ContentSource {
  const graph = `${options.hosts('graph.facebook.com')}/${GRAPH_API_VERSION}`;

  /** A Graph call with the Page token (a user token is refused on Page edges). */
  function get<T>(schema: z.ZodMiniType<T>, what: string, path: string, params: Record<string, string>, tokens: TokenSet): Promise<T> {
    const pageToken = tokens.extra?.pageToken;
    // Without it the connection predates Page sync or lost its Page: a refresh (which re-reads the Page) or a reconnect mends it.
    if (!pageToken) return Promise.reject(new ProviderError('facebook', 'invalid_grant', 'facebook: the connection holds no Page token'));
    const proof: Record<string, string> = options.clientSecret ? { appsecret_proof: appsecretProof(options.clientSecret, pageToken) } : {};
    return readJson('facebook', schema, what, `${graph}${path}?${new URLSearchParams({ ...params, ...proof })}`,
      { headers: { authorization: `Bearer ${pageToken}` }, fetch: options.fetch }, (answer) => graphError('facebook', answer));
  }

  return {
    platform: 'facebook',
    pageSize: PAGE_SIZE,
    async page(tokens, { platformAccountId }, cursor) {
      const answer = await get(PostPage, 'published posts', `/${encodeURIComponent(platformAccountId)}/published_posts`,
        { fields: POST_FIELDS, limit: String(PAGE_SIZE), ...(cursor ? { after: cursor } : {}) }, tokens);
      return { items: answer.data.map(toItem), next: nextGraphCursor('facebook', answer.paging) };
    },
    async stats(tokens, { platformAccountId }) {
      const counts = await get(PageCounts, 'Page counts', `/${encodeURIComponent(platformAccountId)}`, { fields: 'followers_count,fan_count' }, tokens);
      return { followerCount: counts.followers_count ?? counts.fan_count };
    },
  };
}
