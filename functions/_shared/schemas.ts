import * as z from 'zod/mini';

/** Building blocks shared by route schemas: every string is bounded, every number ranged. */
// Either case, spelled out: the OpenAPI document carries the pattern, and JSON Schema patterns have no flags (no /i).
export const uuid = z.string().check(z.regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a UUID'));
export const httpsUrl = z.string().check(z.maxLength(2048), z.regex(/^https?:\/\/[^\s]+$/, 'must be an http(s) URL'));
export const categoryCode = z.string().check(z.regex(/^[a-z][a-z_]{1,30}$/, 'must be a category code such as gaming'));
export const slug = z.string().check(z.maxLength(120), z.regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be a slug such as tech-gaming-channel'));
/** A lookup table's slug in a filter (platform.slug, content_type.slug): a factory, so only the bundles that use it carry it. */
export const lookupSlug = () =>
  z.string().check(z.maxLength(40), z.regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'must be a slug such as youtube or short_video'));
/** Free text to search for, trimmed and bounded. */
export const searchText = () => z.string().check(z.trim(), z.minLength(1, 'must not be empty'),
  z.maxLength(200, 'must be at most 200 characters'));
const DECIMAL_INTEGER = /^-?\d+$/;
/** Decimal digits become a number; anything else (`1e2`, `0x10`, ` 5`, `5.0`, which Number() would take) stays text and fails. */
const decimalText = z.transform((value: unknown) => (typeof value === 'string' && DECIMAL_INTEGER.test(value) ? Number(value) : value));
/**
 * An integer within [min, max] given as text in decimal digits (a query parameter or an environment variable). The JSON
 * Schema of its input is the integer schema (a transform's input is documented as what it feeds), which is what an
 * `integer` query parameter means in OpenAPI.
 */
export const intParam = (min: number, max: number) =>
  z.pipe(decimalText, z.number('must be a whole number in decimal digits').check(z.int(), z.gte(min), z.lte(max)));
// Prefault, not default: the value goes through the schema, so the document shows it (an input default of a transform is not).
export const limitParam = (defaultLimit: number, max: number) => z.prefault(intParam(1, max), defaultLimit);
export const offsetParam = z.prefault(intParam(0, 10_000), 0);
/** Opaque keyset cursors (base64url JSON) from a previous page. */
export const cursorParam = z.optional(z.string().check(z.maxLength(512), z.regex(/^[A-Za-z0-9_-]+$/, 'must be a cursor returned by a previous page')));

/**
 * Where a JSON value holds a NUL character (U+0000), which PostgreSQL text and jsonb cannot store: the dotted path of the
 * first string or key that does, or undefined. The one check of request text bound for the database.
 */
export function nulPath(value: unknown, path: string[] = []): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path.join('.') : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\u0000')) return [...path, key].join('.');
    const found = nulPath(item, [...path, key]);
    if (found !== undefined) return found;
  }
  return undefined;
}
