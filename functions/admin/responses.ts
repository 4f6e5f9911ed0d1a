import * as z from 'zod/mini';
import { uuid } from '../_shared/schemas.ts';

/** What the admin routes answer, for the OpenAPI document. */
const Page = () => z.object({ limit: z.number(), has_more: z.boolean(), next_cursor: z.nullable(z.string()) });

/** Every change answers with the entity before and after (what its audit row records). */
export const ChangeResponse = <S extends z.ZodMiniType>(state: () => S) => () =>
  z.object({ changed: z.boolean(), before: z.nullable(state()), after: state() });

export const RolesState = () => z.object({ user_id: uuid, roles: z.array(z.string()) });
export const VerifiedState = () => z.object({ user_id: uuid, is_verified: z.boolean() });
export const FeaturedState = () => z.object({
  id: uuid, user_id: uuid, category: z.nullable(z.string()), headline: z.nullable(z.string()), position: z.number(),
  starts_at: z.string(), ends_at: z.nullable(z.string()), is_active: z.boolean(),
});
export const HiddenState = () => z.object({ hidden_at: z.nullable(z.string()), hidden_reason: z.nullable(z.string()) });

export const AdminUserResponse = () => z.object({
  id: uuid, email: z.string(), display_name: z.nullable(z.string()), profile_slug: z.nullable(z.string()), is_public: z.boolean(),
  is_verified: z.boolean(), hidden_at: z.nullable(z.string()), hidden_reason: z.nullable(z.string()), roles: z.array(z.string()),
  tier: z.string(), quotas: z.array(z.object({ quota_type: z.string(), used: z.number(), limit: z.number() })),
  social_accounts: z.number(), active_jobs: z.number(), created_at: z.string(), last_active_at: z.nullable(z.string()),
  deleted_at: z.nullable(z.string()),
});

export const AdminJobsResponse = () => z.object({
  items: z.array(z.object({
    id: uuid, user_id: z.nullable(uuid), job_type: z.string(), job_category: z.string(), status: z.string(), progress: z.number(),
    error_message: z.nullable(z.string()), retry_count: z.number(), max_retries: z.number(), next_retry_at: z.nullable(z.string()),
    created_at: z.string(), started_at: z.nullable(z.string()), completed_at: z.nullable(z.string()),
  })),
  page: Page(),
});

export const JobHealthResponse = () => z.object({
  window_hours: z.number(),
  kinds: z.array(z.object({
    job_type: z.string(), job_category: z.string(), queue: z.string(), pending: z.number(), overdue: z.number(), processing: z.number(),
    stuck: z.number(), retrying: z.number(), completed: z.number(), failed: z.number(), failure_rate: z.nullable(z.number()),
  })),
});

const DeadLetter = () => z.object({
  message_id: z.string(), job_id: z.nullable(uuid), job_kind: z.nullable(z.string()), failure_reason: z.nullable(z.string()),
  attempts: z.nullable(z.number()), receive_count: z.number(), sent_at: z.nullable(z.string()), body: z.string(),
});
export const DeadLettersResponse = () => z.object({
  queue: z.string(), approximate_count: z.number(), messages: z.array(DeadLetter()),
});
export const RedriveResponse = () => z.object({
  queue: z.string(),
  redriven: z.array(z.object({ message_id: z.string(), job_id: z.nullable(uuid), outcome: z.string() })),
  kept: z.array(z.object({ message_id: z.string(), job_id: z.nullable(uuid), outcome: z.string() })),
  approximate_remaining: z.number(),
});
