import * as z from 'zod';

/** Building blocks shared by route schemas: every string is bounded, every number ranged. */
export const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a UUID');
export const httpsUrl = z.string().max(2048).regex(/^https?:\/\/[^\s]+$/, 'must be an http(s) URL');
export const categoryCode = z.string().regex(/^[a-z][a-z_]{1,30}$/, 'must be a category code such as gaming');
export const slug = z.string().max(120).regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be a slug such as tech-gaming-channel');
export const limitParam = (defaultLimit: number, max: number) =>
  z.coerce.number().int().min(1).max(max).default(defaultLimit);
export const offsetParam = z.coerce.number().int().min(0).max(10_000).default(0);
/** Opaque keyset cursors (base64url JSON) from a previous page. */
export const cursorParam = z.string().max(512).regex(/^[A-Za-z0-9_-]+$/, 'must be a cursor returned by a previous page').optional();
