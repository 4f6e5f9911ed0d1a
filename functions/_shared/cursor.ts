import { BadRequestError } from './errors.ts';

/** Keyset cursors: the last row's sort key, as opaque base64url JSON. */
export const encodeCursor = (key: unknown[]): string => Buffer.from(JSON.stringify(key)).toString('base64url');

/** Decodes a cursor into `arity` values (strings or numbers); anything else is a 400, never a 500. */
export function decodeCursor(cursor: string, arity: number): (string | number)[] {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && key.length === arity && key.every((v) => typeof v === 'string' || typeof v === 'number')) return key;
  } catch {
    // fall through
  }
  throw new BadRequestError('The cursor is invalid; use next_cursor from a previous page');
}
