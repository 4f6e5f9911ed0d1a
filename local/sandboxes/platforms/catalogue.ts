/**
 * The sandbox's content: a deterministic catalogue per account (platform + login), generated item by item from a
 * hash, so a 50,000-item channel costs nothing until it is read. The login says how big it is: `items-<n>` has n
 * items (`items-0`, `items-1`, `items-49`, `items-50`, `items-51`, `items-20000`), any other login 30. Tests change
 * it between syncs (edit an item, remove one, publish new ones, let counters grow) through `SandboxState.catalogue`.
 *
 * Provider modules turn items into their platform's JSON (ids, field names, types) and page them newest first.
 */
import { createHash } from 'node:crypto';

export type ItemKind = 'video' | 'short' | 'image' | 'carousel' | 'text';

export interface CatalogueItem {
  /** 0 is the oldest; new items get the next indexes. Stable: providers derive their ids from it. */
  index: number;
  /** A stable id seed for this item, unique across platforms and accounts (hex). */
  key: string;
  kind: ItemKind;
  title: string;
  description: string;
  tags: string[];
  /** Epoch ms; strictly increasing with the index (one item every 6 hours up to a day before the catalogue's clock). */
  publishedAt: number;
  durationSeconds: number;
  views: number;
  likes: number;
  comments: number;
  shares: number;
  /** Number of children of a carousel (2–5); 0 otherwise. */
  children: number;
}

const WORDS = ['gaming', 'tutorial', 'speedrun', 'review', 'cooking', 'travel', 'music', 'cover', 'vlog', 'tips', 'setup',
  'unboxing', 'challenge', 'highlights', 'live', 'guide', 'beginner', 'pro', 'build', 'recipe', 'street', 'food', 'city', 'piano'];
const KINDS: ItemKind[] = ['video', 'video', 'short', 'image', 'carousel', 'text'];
const HOUR_MS = 3_600_000;

const digest = (seed: string) => createHash('sha256').update(seed).digest();

/** How many items a login's catalogue starts with (`items-<n>`: n; any other login 30): profile counts use it too. */
export const catalogueSize = (login: string): number => {
  const sized = /^items-(\d+)$/.exec(login);
  return sized ? Number(sized[1]) : 30;
};

export class Catalogue {
  private size: number;
  /** The generated size (published items come after it). */
  private readonly generated: number;
  private readonly kinds: readonly ItemKind[];
  private readonly edits = new Map<number, Partial<CatalogueItem>>();
  private readonly removed = new Set<number>();
  /** Counter growth applied to every item (a later read sees more views than an earlier one). */
  private growth = 0;
  /** The newest original item is a day before this. */
  private readonly anchor: number;

  constructor(readonly platform: string, readonly login: string, now: number, kinds: readonly ItemKind[] = KINDS) {
    this.size = catalogueSize(login);
    this.generated = this.size;
    this.anchor = now - 24 * HOUR_MS;
    this.kinds = kinds;
  }

  /** Live items, newest first. */
  get count(): number {
    return this.size - this.removed.size;
  }

  /** The item at `index` as it is now (undefined when removed or out of range). */
  item(index: number): CatalogueItem | undefined {
    if (index < 0 || index >= this.size || this.removed.has(index)) return undefined;
    const bytes = digest(`${this.platform}:${this.login}:${index}`);
    const pick = (offset: number, list: readonly string[]) => list[bytes[offset]! % list.length]!;
    const kind = pick(0, this.kinds) as ItemKind;
    const words = [pick(1, WORDS), pick(2, WORDS), pick(3, WORDS)];
    const base = bytes.readUInt32BE(4) % 100_000;
    const item: CatalogueItem = {
      index, key: bytes.subarray(8, 20).toString('hex'), kind,
      title: `${words[0]![0]!.toUpperCase()}${words[0]!.slice(1)} ${words[1]} ${words[2]} #${index + 1}`,
      description: `A ${kind} about ${words.join(', ')} by ${this.login}. Part ${index + 1}.`,
      tags: [...new Set(words)],
      publishedAt: this.publishedAt(index),
      durationSeconds: kind === 'video' ? 60 + (base % 3_600) : kind === 'short' ? 5 + (base % 55) : 0,
      views: base * 10 + this.growth * 7, likes: base + this.growth, comments: Math.floor(base / 10), shares: Math.floor(base / 50),
      children: kind === 'carousel' ? 2 + (bytes[24]! % 4) : 0,
    };
    return { ...item, ...this.edits.get(index) };
  }

  /** Live items from newest to oldest, starting at the item after `beforeIndex` (exclusive; undefined: the newest). */
  *newestFirst(beforeIndex?: number): Generator<CatalogueItem> {
    for (let index = (beforeIndex ?? this.size) - 1; index >= 0; index -= 1) {
      const item = this.item(index);
      if (item) yield item;
    }
  }

  /**
   * The `beforeIndex` for items published strictly before `ms` (TikTok's time cursor): a binary search over publish
   * times, which grow with the index, removed items included, so a page costs O(log n), not a scan.
   */
  indexBefore(ms: number): number {
    let low = 0;
    let high = this.size;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.publishedAt(middle) < ms) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private publishedAt(index: number): number {
    return this.edits.get(index)?.publishedAt ?? this.anchor - (this.generated - 1 - index) * 6 * HOUR_MS;
  }

  /** Up to `limit` live items newest first after `beforeIndex`, and the index to continue from (undefined at the end). */
  page(limit: number, beforeIndex?: number): { items: CatalogueItem[]; next?: number } {
    const items: CatalogueItem[] = [];
    for (const item of this.newestFirst(beforeIndex)) {
      if (items.length === limit) return { items, next: items.at(-1)!.index };
      items.push(item);
    }
    return { items };
  }

  /** Test controls: change an item's text (a revision at the source), remove it, publish new ones, grow counters. */
  edit(index: number, patch: Partial<Pick<CatalogueItem, 'title' | 'description' | 'tags' | 'views' | 'likes'>>): void {
    this.edits.set(index, { ...this.edits.get(index), ...patch });
  }
  remove(index: number): void {
    this.removed.add(index);
  }
  /** Publishes `count` new items, newer than all others (one an hour after the newest). */
  publish(count: number): void {
    // The newest's time even when it was removed: publish times must keep growing with the index (indexBefore).
    const newest = this.size > 0 ? this.publishedAt(this.size - 1) : this.anchor;
    for (let i = 0; i < count; i += 1) {
      this.edits.set(this.size, { publishedAt: newest + (i + 1) * HOUR_MS });
      this.size += 1;
    }
  }
  grow(): void {
    this.growth += 1;
  }
}
