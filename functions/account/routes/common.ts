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
  timezone: z.string().check(z.maxLength(64), z.refine(isIanaTimeZone, 'must be an IANA time zone name such as Europe/Paris or UTC')),
  theme: z.enum(['light', 'dark', 'system']),
}));

let ianaZones: Set<string> | undefined;
/**
 * An IANA time zone name, as spelt in the tz database: a canonical zone (Intl's list, plus UTC and Etc/GMT±N, which it
 * leaves out), or an alias the tz database keeps (Asia/Kolkata, US/Eastern, Etc/UTC) that the runtime resolves to another zone.
 * Not an offset (+01:00), not a mis-cased name (europe/paris), not an unknown one.
 */
export function isIanaTimeZone(name: string): boolean {
  ianaZones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);
  if (ianaZones.has(name)) return true;
  if (!/^[A-Za-z]/.test(name)) return false;
  try {
    const resolved = new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone;
    return resolved === name || resolved.toLowerCase() !== name.toLowerCase(); // listed zones omit Etc/GMT+5 and the like
  } catch {
    return false; // RangeError: not a time zone
  }
}

export const profileFields = () => ({
  display_name: z.string().check(z.trim(), z.minLength(1), z.maxLength(100)),
  bio: z.nullable(z.string().check(z.maxLength(2000))),
  avatar_url: z.nullable(httpsUrl),
  website_url: z.nullable(httpsUrl),
  primary_category: z.nullable(categoryCode),
  is_public: z.boolean(),
});
