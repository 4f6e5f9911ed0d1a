import * as z from 'zod/mini';
import { asService, db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { intParam } from '../../_shared/schemas.ts';
import { tags } from './common.ts';

export const AdminCostsQuery = () => z.object({ days: z.prefault(intParam(1, 366), 30) });
export const AdminCostsResponse = () => z.object({
  total_cost_cents: z.number(),
  rows: z.array(z.object({ day: z.string(), user_id: z.string(), email: z.nullable(z.string()), model: z.string(), provider: z.string(),
    calls: z.number(), failed_calls: z.number(), prompt_tokens: z.number(), completion_tokens: z.number(), cost_cents: z.number() })),
});

/** AI spend per day, user and model over the last `days` (the route admits admins only; it reads as the service, with their emails). */
export const adminCostsRoute = defineRoute({
  method: 'GET', path: '/admin-ai-costs', auth: 'admin', tags: [...tags, 'Admin'], query: AdminCostsQuery, response: AdminCostsResponse,
  summary: 'AI cost per user, model and day (admins)',
}, async ({ query }) => {
  const rows = await asService(db(), (tx) => tx`
    SELECT to_char(date_trunc('day', u.created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day, u.user_id, us.email, m.slug AS model, p.slug AS provider,
           count(*)::int AS calls, count(*) FILTER (WHERE NOT u.success)::int AS failed_calls,
           sum(u.prompt_tokens)::float8 AS prompt_tokens, sum(u.completion_tokens)::float8 AS completion_tokens, sum(u.cost_cents)::float8 AS cost_cents
    FROM ai_usage u JOIN ai_model m ON m.id = u.model_id JOIN ai_provider p ON p.id = m.provider_id LEFT JOIN users us ON us.id = u.user_id
    WHERE u.created_at >= now() - make_interval(days => ${query.days})
    GROUP BY 1, 2, 3, 4, 5 ORDER BY 1 DESC, cost_cents DESC LIMIT 1000`);
  return { total_cost_cents: rows.reduce((sum, r) => sum + r.cost_cents, 0), rows: [...rows] };
});
