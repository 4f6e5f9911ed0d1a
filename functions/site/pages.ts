import type { Sql, TransactionSql } from 'postgres';
import type { CardRow } from '../_shared/catalog/content-sql.ts';
import { contentDetailQuery, creatorPageQuery, relatedContentQuery, type CreatorRow, type DetailRow } from '../_shared/catalog/page-sql.ts';
import { readAsAnon } from '../_shared/catalog/read.ts';
import { makeCursor, paginate, readCursor, type Page } from '../_shared/cursor.ts';

/**
 * What the site's pages show, read as anon through the RLS policies (nothing private or deleted can be read), with the
 * discovery feature's SQL. A page that is not there is `missing` (404) or, when it was public and has been deleted,
 * `gone` (410): the one bit creator_page_gone / content_page_gone (018) answer, never a column of the deleted row.
 */
export type Loaded<T> = { found: true; page: T } | { found: false; gone: boolean };

/** Items per creator page; the "more" link continues after the last one. */
export const CREATOR_PAGE_ITEMS = 12;
/** Creator pages page as /browse-content?sort=recent does (same keyset), so their cursors are of that ordering. */
const ORDERING = 'recent';

export interface CreatorPage {
  creator: CreatorRow;
  items: CardRow[];
  page: Page;
  /** Whether this is a "more" page (a cursor was given). */
  continued: boolean;
}

export interface ContentPage {
  item: DetailRow;
  related: CardRow[];
}

const gone = async (tx: TransactionSql, check: 'creator' | 'content', key: string) => {
  const [row] = check === 'creator'
    ? await tx<{ gone: boolean }[]>`SELECT public.creator_page_gone(${key}) AS gone`
    : await tx<{ gone: boolean }[]>`SELECT public.content_page_gone(${key}::uuid) AS gone`;
  return row!.gone;
};

/** A public creator with their newest items (after `cursor`, a previous page's next_cursor). */
export function loadCreatorPage(sql: Sql, slug: string, cursor?: string): Promise<Loaded<CreatorPage>> {
  const after = cursor ? readCursor(cursor, ORDERING, ['timestamp', 'uuid']) : undefined;
  return readAsAnon(sql, async (tx) => {
    const [row] = await creatorPageQuery(tx, slug, CREATOR_PAGE_ITEMS, after);
    if (!row) return { found: false, gone: await gone(tx, 'creator', slug) };
    const { items: rows, ...creator } = row;
    const { items, page } = paginate(rows, CREATOR_PAGE_ITEMS, (item) => makeCursor(ORDERING, [item.published_at, item.id]));
    return { found: true, page: { creator, items, page, continued: Boolean(cursor) } };
  });
}

/** A discoverable item with its tags, media and related items (two pipelined queries). */
export function loadContentPage(sql: Sql, id: string): Promise<Loaded<ContentPage>> {
  return readAsAnon(sql, async (tx) => {
    const [[item], related] = await Promise.all([contentDetailQuery(tx, id), relatedContentQuery(tx, id)]);
    if (!item) return { found: false, gone: await gone(tx, 'content', id) };
    return { found: true, page: { item, related } };
  });
}
