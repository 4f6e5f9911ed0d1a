import * as z from 'zod';
import { defineRoute } from '../_shared/route.ts';
import { categoryCode, cursorParam, httpsUrl, limitParam, uuid } from '../_shared/schemas.ts';

const settings = z.strictObject({
  email_notifications: z.boolean(),
  push_notifications: z.boolean(),
  weekly_digest: z.boolean(),
  auto_sync_enabled: z.boolean(),
  sync_frequency_hours: z.number().int().min(1).max(168),
  default_visibility: z.enum(['public', 'unlisted', 'private']),
  language: z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/),
  timezone: z.string().min(1).max(64),
  theme: z.enum(['light', 'dark', 'system']),
}).partial();

const profileFields = {
  display_name: z.string().trim().min(1).max(100),
  bio: z.string().max(2000).nullable(),
  avatar_url: httpsUrl.nullable(),
  website_url: httpsUrl.nullable(),
  primary_category: categoryCode.nullable(),
  is_public: z.boolean(),
};

export const ProfileSetupBody = z.strictObject({
  ...profileFields,
  bio: profileFields.bio.optional(),
  avatar_url: profileFields.avatar_url.optional(),
  website_url: profileFields.website_url.optional(),
  primary_category: profileFields.primary_category.optional(),
  is_public: profileFields.is_public.default(true),
});

export const UpdateMeBody = z.strictObject({ ...profileFields, settings }).partial()
  .refine((body) => Object.keys(body).length > 0, 'Send at least one field to change');

const Quota = z.object({ quota_type: z.enum(['sync', 'ai_analysis', 'seo_submission']), used: z.number(), limit: z.number(), remaining: z.number() });
export const MeResponse = z.object({
  id: uuid, email: z.string().nullable(), display_name: z.string().nullable(), profile_slug: z.string().nullable(),
  bio: z.string().nullable(), avatar_url: z.string().nullable(), website_url: z.string().nullable(),
  primary_category: z.string().nullable(), is_public: z.boolean(), is_verified: z.boolean(), total_followers: z.number(),
  onboarded: z.boolean(), roles: z.array(z.string()), created_at: z.string(),
  settings: settings.required(),
  subscription: z.object({ tier: z.string(), status: z.string(), cycle_end_date: z.string().nullable(), cancel_at_period_end: z.boolean(), quotas: z.array(Quota) }),
});

export const NotificationsQuery = z.object({
  unread_only: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  limit: limitParam(20, 100),
  cursor: cursorParam,
});
const Notification = z.object({ id: uuid, type: z.string(), title: z.string(), message: z.string().nullable(), data: z.record(z.string(), z.unknown()),
  action_url: z.string().nullable(), read_at: z.string().nullable(), created_at: z.string() });
export const NotificationsResponse = z.object({
  items: z.array(Notification), unread_count: z.number(),
  page: z.object({ limit: z.number(), has_more: z.boolean(), next_cursor: z.string().nullable() }),
});

export const MarkReadBody = z.union([
  z.strictObject({ ids: z.array(uuid).min(1).max(100) }),
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
