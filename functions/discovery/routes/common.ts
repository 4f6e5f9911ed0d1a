import * as z from 'zod/mini';
import { categoryCode, cursorParam, intParam, limitParam, lookupSlug, searchText, slug } from '../../_shared/schemas.ts';

/** What the discovery routes share: tags, cache lifetimes and query-parameter building blocks. */
export const tags = ['Discovery'];
export const LIST_CACHE = { maxAgeSeconds: 30, sMaxAgeSeconds: 60 };
export const PAGE_CACHE = { maxAgeSeconds: 60, sMaxAgeSeconds: 300 };

// Query parameters arrive as strings; every one is bounded, so bad input is a 400 before any SQL runs. The building
// blocks are factories, not constants: a module-level schema built with .check() stays in every bundle that imports
// this module, a factory only in the bundles of the routes that call it.

export const period = () => z.enum(['today', 'week', 'month', 'all_time']);
export { lookupSlug, searchText };

/** limit, offset and cursor; pair with exclusivePaging(). */
export const listParams = () => ({ limit: limitParam(20, 100), offset: z.optional(intParam(0, 10_000)), cursor: cursorParam });
export const exclusivePaging = () => z.refine<{ cursor?: string; offset?: number }>((q) => !(q.cursor !== undefined && q.offset !== undefined),
  { message: 'cursor and offset are exclusive: page with one or the other', path: ['cursor'] });

/**
 * A parameter that also goes by the original StreamVibe API's name (`query` for `q`, `sort_by` for `sort`), which
 * existing clients send: at most one of the two (both: a 400 naming them), and with `required`, exactly one.
 */
export const eitherName = <N extends string, A extends string>(name: N, alias: A, required: boolean) =>
  z.refine<Partial<Record<N | A, unknown>>>((q) => {
    const given = Number(q[name] !== undefined) + Number(q[alias] !== undefined);
    return required ? given === 1 : given <= 1;
  }, { message: `send exactly one of ${name} and ${alias} (${alias} is the original API's name for ${name})`, path: [name] });

export const contentFilters = () => ({
  category: z.optional(categoryCode),
  platform: z.optional(lookupSlug()),
  content_type: z.optional(lookupSlug()),
  creator_slug: z.optional(slug),
});
export const creatorFilters = () => ({
  category: z.optional(categoryCode),
  verified_only: z.optional(z.pipe(z.enum(['true', 'false']), z.transform((v) => v === 'true'))),
  min_followers: z.optional(intParam(0, 1e12)),
});
