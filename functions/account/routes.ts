import * as z from 'zod/mini';
import { defineRoute } from '../_shared/route.ts';
import { categoryCode, cursorParam, httpsUrl, limitParam, uuid } from '../_shared/schemas.ts';

const settings = z.partial(z.strictObject({
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

const profileFields = {
  display_name: z.string().check(z.trim(), z.minLength(1), z.maxLength(100)),
  bio: z.nullable(z.string().check(z.maxLength(2000))),
  avatar_url: z.nullable(httpsUrl),
  website_url: z.nullable(httpsUrl),
  primary_category: z.nullable(categoryCode),
  is_public: z.boolean(),
};

export const ProfileSetupBody = z.strictObject({
  ...profileFields,
  bio: z.optional(profileFields.bio),
  avatar_url: z.optional(profileFields.avatar_url),
  website_url: z.optional(profileFields.website_url),
  primary_category: z.optional(profileFields.primary_category),
  is_public: z._default(profileFields.is_public, true),
});

export const UpdateMeBody = z.partial(z.strictObject({ ...profileFields, settings }))
  .check(z.refine((body) => Object.keys(body).length > 0, 'Send at least one field to change'));

const Quota = z.object({ quota_type: z.enum(['sync', 'ai_analysis', 'seo_submission']), used: z.number(), limit: z.number(), remaining: z.number() });
export const MeResponse = z.object({
  id: uuid, email: z.nullable(z.string()), display_name: z.nullable(z.string()), profile_slug: z.nullable(z.string()),
  bio: z.nullable(z.string()), avatar_url: z.nullable(z.string()), website_url: z.nullable(z.string()),
  primary_category: z.nullable(z.string()), is_public: z.boolean(), is_verified: z.boolean(), total_followers: z.number(),
  onboarded: z.boolean(), roles: z.array(z.string()), created_at: z.string(),
  settings: z.required(settings),
  subscription: z.object({ tier: z.string(), status: z.string(), cycle_end_date: z.nullable(z.string()), cancel_at_period_end: z.boolean(),
    quotas: z.array(Quota) }),
});

export const NotificationsQuery = z.object({
  unread_only: z.optional(z.pipe(z.enum(['true', 'false']), z.transform((v) => v === 'true'))),
  limit: limitParam(20, 100),
  cursor: cursorParam,
});
const Notification = z.object({ id: uuid, type: z.string(), title: z.string(), message: z.nullable(z.string()),
  data: z.record(z.string(), z.unknown()), action_url: z.nullable(z.string()), read_at: z.nullable(z.string()), created_at: z.string() });
export const NotificationsResponse = z.object({
  items: z.array(Notification), unread_count: z.number(),
  page: z.object({ limit: z.number(), has_more: z.boolean(), next_cursor: z.nullable(z.string()) }),
});

export const MarkReadBody = z.union([
  z.strictObject({ ids: z.array(uuid).check(z.minLength(1), z.maxLength(100)) }),
  z.strictObject({ all: z.literal(true) }),
]);

const tags = ['Account'];
export const routes = {
  profileSetup: defineRoute({ method: 'POST', path: '/auth-profile-setup', auth: 'user', tags, summary: 'Complete the creator profile (name, unique slug, bio, category) and mark the account onboarded',
    body: ProfileSetupBody, response: MeResponse }),
  me: defineRoute({ method: 'GET', path: '/me', auth: 'user', tags, summary: 'The caller’s profile, settings, subscription tier and quota usage', response: MeResponse }),
  updateMe: defineRoute({ method: 'PATCH', path: '/me', auth: 'user', tags, summary: 'Change the caller’s profile fields and settings', body: UpdateMeBody, response: MeResponse }),
  notifications: defineRoute({ method: 'GET', path: '/notifications', auth: 'user', tags, summary: 'The caller’s notifications, newest first',
    query: NotificationsQuery, response: NotificationsResponse }),
  markNotificationsRead: defineRoute({ method: 'POST', path: '/notifications-mark-read', auth: 'user', tags, summary: 'Mark some or all notifications read',
    body: MarkReadBody, response: z.object({ updated: z.number() }) }),
};
