import { BadRequestError } from './errors.ts';

/**
 * Keyset cursors, the one way every list pages: a cursor is the last row's sort key prefixed by the ordering it belongs
 * to (`recent`, `popular`, `trending:week`, `notifications`, `job-logs`, …), as opaque base64url JSON. Every part is
 * checked here against its kind, so an edited or hand-made cursor is a 400 and never reaches SQL as a value PostgreSQL
 * would reject with a 5xx (or echo back in its error message).
 */
export type KeyPart = 'timestamp' | 'uuid' | 'integer' | 'rank' | 'float';

const PATTERNS: Record<KeyPart, RegExp> = {
  // Timestamps travel as UTC ISO 8601 with microseconds (what the queries format), so no precision is lost.
  timestamp: /^[1-9]\d{3}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  integer: /^-?\d{1,18}$/,         // bigint columns
  rank: /^\d{1,9}$/,                // integer columns
  // float8 scores; a two-digit exponent keeps every value inside float8's range.
  float: /^-?\d{1,20}(\.\d{1,20})?(e[-+]?\d{1,2})?$/i,
};

/** A calendar-valid instant: the pattern admits 2024-02-30, which PostgreSQL would reject with a 5xx-class error. */
const isRealInstant = (value: string) => {
  const date = new Date(value);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 19) === value.slice(0, 19);
};

/** A cursor for `ordering` whose key is `key` (strings, exactly as the query returned them). */
export const makeCursor = (ordering: string, key: (string | number)[]): string =>
  Buffer.from(JSON.stringify([ordering, ...key.map(String)])).toString('base64url');

const INVALID_CURSOR = 'The cursor is invalid; use next_cursor from a previous page';

/** The cursor's JSON: an array of `arity` strings, or a 400. */
function decodeCursor(cursor: string, arity: number): string[] {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new BadRequestError(INVALID_CURSOR);
  }
  if (!Array.isArray(key) || key.length !== arity || !key.every((v) => typeof v === 'string')) throw new BadRequestError(INVALID_CURSOR);
  return key;
}

/** The key of a cursor made for `ordering`, each part checked against `parts`; anything else is a 400. */
export function readCursor(cursor: string, ordering: string, parts: KeyPart[]): string[] {
  const [tag, ...key] = decodeCursor(cursor, parts.length + 1);
  if (tag !== ordering) {
    throw new BadRequestError(`This cursor belongs to another list or ordering; use next_cursor from a page with sort ${ordering}`);
  }
  key.forEach((value, i) => {
    const part = parts[i]!;
    if (!PATTERNS[part].test(value) || (part === 'timestamp' && !isRealInstant(value))) throw new BadRequestError(INVALID_CURSOR);
  });
  return key;
}

/** The page envelope every list returns: no total (FIELD-NOTES: never an exact count on a hot path), only has_more. */
export interface Page {
  limit: number;
  has_more: boolean;
  next_cursor: string | null;
}

/** Splits the limit+1 rows a query fetched into the page's rows and its envelope. */
export function paginate<R>(rows: R[], limit: number, cursorOf: (row: R) => string): { items: R[]; page: Page } {
  const items = rows.slice(0, limit);
  const hasMore = rows.length > limit;
  const last = items.at(-1);
  return { items, page: { limit, has_more: hasMore, next_cursor: hasMore && last !== undefined ? cursorOf(last) : null } };
}
