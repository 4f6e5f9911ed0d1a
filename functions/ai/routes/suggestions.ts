import * as z from 'zod/mini';
import { asUser, db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { uuid } from '../../_shared/schemas.ts';
import { seoScore } from '../seo-score.ts';
import { tags } from './common.ts';

export const SuggestionsQuery = () => z.object({ content_item_id: uuid });
const Reason = () => z.object({ rule: z.string(), points: z.number(), max: z.number(), advice: z.string() });
export const SuggestionsResponse = () => z.object({
  items: z.array(z.object({
    id: z.string(), content_item_id: z.string(), model: z.nullable(z.string()), status: z.string(),
    titles: z.array(z.string()), description: z.nullable(z.string()), tags: z.array(z.string()),
    trending_keywords: z.array(z.string()), trending_score: z.nullable(z.number()),
    seo: z.object({ score: z.number(), reasons: z.array(Reason()) }),
    cost_cents: z.number(), created_at: z.string(),
  })),
});

/** The caller's suggestions for one of their items, newest first, each with its SEO score and the reasons for it. */
export const suggestionsRoute = defineRoute({
  method: 'GET', path: '/ai-suggestions', auth: 'user', tags, query: SuggestionsQuery, response: SuggestionsResponse,
  summary: 'The caller’s AI suggestions for one of their items, newest first, with SEO score and reasons',
}, async ({ claims, query }) => {
  const rows = await asUser(db(), claims, (tx) => tx`
    SELECT s.id, s.content_item_id, m.slug AS model, s.status, s.suggested_titles, s.suggested_description, s.suggested_tags,
           s.trending_keywords, s.trending_score::float8 AS trending_score, s.total_cost_cents::float8 AS cost_cents, s.created_at
    FROM ai_suggestion s LEFT JOIN ai_model m ON m.id = s.model_id
    WHERE s.content_item_id = ${query.content_item_id} AND s.user_id = ${claims.sub}
    ORDER BY s.created_at DESC, s.id LIMIT 50`);
  return {
    items: rows.map((r) => ({
      id: r.id, content_item_id: r.content_item_id, model: r.model, status: r.status,
      titles: r.suggested_titles, description: r.suggested_description, tags: r.suggested_tags,
      trending_keywords: r.trending_keywords, trending_score: r.trending_score,
      // The rubric is deterministic: the reasons are recomputed from what was suggested (the row keeps the score).
      seo: seoScore({ title: r.suggested_titles[0] ?? '', description: r.suggested_description ?? '', tags: r.suggested_tags,
        keywords: r.suggested_tags, trending: r.trending_keywords.map((keyword: string) => ({ keyword, score: 1 })) }),
      cost_cents: r.cost_cents, created_at: (r.created_at as Date).toISOString(),
    })),
  };
});
