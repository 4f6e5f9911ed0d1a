import * as z from 'zod/mini';

/**
 * What the content routes share. Factories, not constants: a module-level schema built with .check() stays in every
 * bundle that imports this module, a factory only in the bundles of the routes that call it.
 */
export const tags = ['Content'];

export const VISIBILITIES = ['public', 'unlisted', 'private'] as const;
export const visibility = () => z.enum(VISIBILITIES);

export const MAX_TAGS = 30;
/** A creator's tag: trimmed, lower case (content_tag requires it), 1–50 characters, no control characters. */
export const contentTag = () => z.string().check(z.trim(), z.toLowerCase(), z.minLength(1), z.maxLength(50),
  z.regex(/^[^\u0000-\u001f\u007f]+$/, 'must not contain control characters'));
