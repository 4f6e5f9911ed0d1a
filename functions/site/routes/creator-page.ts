import * as z from 'zod/mini';
import { siteUrl } from '../../_shared/catalog/site.ts';
import { db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { cursorParam, slug } from '../../_shared/schemas.ts';
import { loadCreatorPage } from '../pages.ts';
import { creatorDocument } from '../views.ts';
import { answer, PAGE_CACHE, responseHeaders, tags } from './common.ts';

export const creatorPageRoute = defineRoute({ method: 'GET', path: '/creator/{slug}', operationId: 'creator-page', auth: 'public', tags,
  responseMediaType: 'text/html', responseHeaders, cache: PAGE_CACHE,
  summary: 'A creator’s public page (HTML): profile, stats, newest items and a "more" link (?cursor=)',
  params: () => z.object({ slug }), query: () => z.object({ cursor: cursorParam }) },
async ({ params, query }) => answer(await loadCreatorPage(db(), params.slug, query.cursor), (page) => creatorDocument(siteUrl(), page)));
