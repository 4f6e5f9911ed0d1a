import type { TransactionSql } from 'postgres';
import type { SourceItem } from './sources/port.ts';

/** The account a sync writes into. */
export interface SyncTarget {
  socialAccountId: string;
  userId: string;
  platformId: string;
}

const TITLE_MAX = 500;
const DESCRIPTION_MAX = 10_000;
const DERIVED_TITLE_MAX = 100;

/**
 * A title for an item its platform gives none (a tweet, a caption): the first line of its text, cut at a word under
 * 100 characters. Discovery shows and searches titles, so an empty one would hide the item.
 */
export function derivedTitle(item: Pick<SourceItem, 'title' | 'description'>): string {
  if (item.title.trim()) return item.title.trim().slice(0, TITLE_MAX);
  const line = item.description.split('\n').map((l) => l.trim()).find(Boolean) ?? '';
  if (line.length <= DERIVED_TITLE_MAX) return line;
  const cut = line.slice(0, DERIVED_TITLE_MAX - 1);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), 40)).trimEnd()}…`;
}

const https = (url: string | undefined) => (url && /^https?:\/\//.test(url) ? url : null);

/**
 * Writes one page of items and the sync's resume point in one call of sync_write_page (migration 017; PL/pgSQL plans
 * it once per connection, where a plain statement is planned on every page under prepare: false): an upsert keyed by
 * (account, platform id) — new items take the user's default visibility; changed ones get their new text (the
 * revision trigger records the old one), counters only ever grow (a stale page never lowers them), an item the sync
 * had marked removed comes back, one the user deleted stays deleted, and a title or description the user edited
 * (content_item.user_edited_fields, migration 014) is kept — the platform tags (those an updated item lost deleted,
 * the new ones added; a user's own tag of the same name stays the user's) and the media of multi-media posts replaced.
 * An item listed twice (pages that shifted while read) is written once. Returns how many items were new and how many
 * updated.
 */
export async function writePage(tx: TransactionSql, target: SyncTarget, items: SourceItem[], syncedAt: Date, syncCursor: string):
  Promise<{ inserted: number; updated: number }> {
  // A listing that shifts while it is read (a new upload pushes an item onto the next page) shows an item twice, and
  // one upsert cannot change a row twice: the item as read last is the one written.
  const unique = [...new Map(items.map((item) => [item.platformContentId, item])).values()];
  const rows = unique.map((item) => ({
    platform_content_id: item.platformContentId, type: item.type, title: derivedTitle(item),
    description: item.description.slice(0, DESCRIPTION_MAX), url: https(item.url), thumbnail_url: https(item.thumbnailUrl),
    duration_seconds: item.durationSeconds ?? null, published_at: item.publishedAt,
    views: item.views ?? null, likes: item.likes ?? null, comments: item.comments ?? null, shares: item.shares ?? null,
    platform_data: item.platformData ?? {}, tags: item.tags,
    media: item.media.map((m, position) => ({ media_type: m.mediaType, url: https(m.url), width: m.width ?? null, height: m.height ?? null,
      duration_seconds: m.durationSeconds ?? null, sort_order: position })),
  }));
  const [counts] = await tx`
    SELECT * FROM sync_write_page(${target.socialAccountId}, ${target.userId}, ${target.platformId}, ${tx.json(rows as never)}, ${syncedAt}, ${syncCursor})`;
  return { inserted: counts!.inserted as number, updated: counts!.updated as number };
}

/** After a full sync: the account's items it did not see are gone at the source (marked, so a later sighting revives them). */
export async function markRemoved(tx: TransactionSql, socialAccountId: string, syncStartedAt: Date): Promise<number> {
  const rows = await tx`
    UPDATE content_item SET deleted_at = now(), platform_data = platform_data || '{"removed_at_source": true}'
    WHERE social_account_id = ${socialAccountId} AND deleted_at IS NULL AND (last_synced_at IS NULL OR last_synced_at < ${syncStartedAt})
    RETURNING 1`;
  return rows.length;
}
