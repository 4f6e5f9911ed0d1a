import * as z from 'zod/mini';

/** What the admin routes share. */
export const tags = ['Admin'];
/** A moderation or audit reason: required, trimmed, bounded. */
export const reason = () => z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(1000));
