import * as z from 'zod/mini';
import { categoryCode, httpsUrl } from '../../_shared/schemas.ts';

/**
 * What the account routes share. Factories, not constants: a module-level schema built with .check() stays in every
 * bundle that imports this module, a factory only in the bundles of the routes that call it.
 */
export const tags = ['Account'];

export const settings = () => z.partial(z.strictObject({
  email_notifications: z.boolean(),
  push_notifications: z.boolean(),
  weekly_digest: z.boolean(),
  auto_sync_enabled: z.boolean(),
  sync_frequency_hours: z.number().check(z.int(), z.gte(1), z.lte(168)),
  default_visibility: z.enum(['public', 'unlisted', 'private']),
  language: z.string().check(z.regex(/^[a-z]{2}(-[A-Z]{2})?$/)),
  timezone: z.string().check(z.minLength(1), z.maxLength(64)),
  theme: z.enum(['light', 'dark', 'system']),
}));

export const profileFields = () => ({
  display_name: z.string().check(z.trim(), z.minLength(1), z.maxLength(100)),
  bio: z.nullable(z.string().check(z.maxLength(2000))),
  avatar_url: z.nullable(httpsUrl),
  website_url: z.nullable(httpsUrl),
  primary_category: z.nullable(categoryCode),
  is_public: z.boolean(),
});
