/** What the Instagram and Facebook sources share: Graph's cursor paging. */
import * as z from 'zod/mini';
import { ProviderError } from '../../oauth/providers/port.ts';

/** Graph paging: `next` says whether there is another page (an `after` cursor alone does not). */
export const GraphPaging = z.optional(z.object({ cursors: z.optional(z.object({ after: z.optional(z.string()) })), next: z.optional(z.string()) }));

/**
 * The opaque cursor for the next page: Graph's `after` cursor as is. Not `paging.next`, whose URL carries the access
 * token (which must not land in the sync's job rows, and would be stale after a refresh).
 */
export function nextGraphCursor(platform: 'instagram' | 'facebook', paging: z.output<typeof GraphPaging>): string | undefined {
  if (!paging?.next) return undefined;
  const after = paging.cursors?.after ?? (URL.canParse(paging.next) ? new URL(paging.next).searchParams.get('after') : null);
  if (!after) throw new ProviderError(platform, 'bad_response', `${platform} sent a next page without an after cursor`);
  return after;
}
