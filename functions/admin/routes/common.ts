import * as z from 'zod/mini';

/** What the admin routes share. */
export const tags = ['Admin'];
/** A moderation or audit reason: required, trimmed, bounded. */
export const reason = () => z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(1000));

/** An ISO 8601 date-time with its zone (`2026-12-01T00:00:00Z`), a real instant: the message is ours, not the locale's. */
export const instant = () => z.string().check(
  z.regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/, 'must be an ISO 8601 date-time with a zone, such as 2026-12-01T00:00:00Z'),
  z.refine((value) => !Number.isNaN(Date.parse(value)), 'must be a real date and time'));
