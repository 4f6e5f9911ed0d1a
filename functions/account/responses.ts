import * as z from 'zod/mini';
import { uuid } from '../_shared/schemas.ts';
import { settings } from './routes/common.ts';

/** What the account routes answer, for the OpenAPI document (each route declares its own). */
const Quota = () => z.object({ quota_type: z.enum(['sync', 'ai_analysis', 'seo_submission']), used: z.number(), limit: z.number(), remaining: z.number() });
export const MeResponse = () => z.object({
  id: uuid, email: z.nullable(z.string()), display_name: z.nullable(z.string()), profile_slug: z.nullable(z.string()),
  bio: z.nullable(z.string()), avatar_url: z.nullable(z.string()), website_url: z.nullable(z.string()),
  primary_category: z.nullable(z.string()), is_public: z.boolean(), is_verified: z.boolean(), total_followers: z.number(),
  onboarded: z.boolean(), roles: z.array(z.string()), created_at: z.string(),
  settings: z.required(settings()),
  subscription: z.object({ tier: z.string(), status: z.string(), cycle_end_date: z.nullable(z.string()), cancel_at_period_end: z.boolean(),
    quotas: z.array(Quota()) }),
});

const Notification = () => z.object({ id: uuid, type: z.string(), title: z.string(), message: z.nullable(z.string()),
  data: z.record(z.string(), z.unknown()), action_url: z.nullable(z.string()), read_at: z.nullable(z.string()), created_at: z.string() });
export const NotificationsResponse = () => z.object({
  items: z.array(Notification()), unread_count: z.number(),
  page: z.object({ limit: z.number(), has_more: z.boolean(), next_cursor: z.nullable(z.string()) }),
});

export const MarkReadResponse = () => z.object({ updated: z.number() });
