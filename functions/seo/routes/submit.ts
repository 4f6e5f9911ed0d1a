import * as z from 'zod/mini';
import { db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { httpsUrl, uuid } from '../../_shared/schemas.ts';
import { submit } from '../submit.ts';
import { engineName, tags } from './common.ts';

export const SubmitBody = () => z.strictObject({
  content_item_id: z.optional(uuid),
  url: z.optional(httpsUrl.check(z.describe('one of the caller’s public pages: <site>/content/<id> or <site>/creator/<slug>'))),
  search_engine: engineName(),
}).check(z.refine((body) => (body.content_item_id === undefined) !== (body.url === undefined), 'Send exactly one of content_item_id and url'));

/** One of the caller's public pages to Google, Bing or IndexNow (a job; one of the month's SEO submissions). */
export const submitRoute = defineRoute({
  method: 'POST', path: '/submit-to-seo', auth: 'user', tags, body: SubmitBody, successStatus: 202, errors: [402],
  response: () => z.object({
    submission_id: z.string(), job_id: z.nullable(z.string()), url: z.string(), search_engine: engineName(),
    created: z.boolean().check(z.describe('false: the URL was already waiting for this engine; that submission is returned and nothing is used')),
    status: z.string(),
  }),
  summary: 'Submit one of the caller’s public pages to a search engine (a job; uses one of the month’s SEO submissions and the engine’s daily limit)',
}, ({ claims, body }) => submit(db(), claims.sub, body));
