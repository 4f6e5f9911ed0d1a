import * as z from 'zod/mini';
import { siteUrl } from '../../_shared/catalog/site.ts';
import { db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { uuid } from '../../_shared/schemas.ts';
import { loadContentPage } from '../pages.ts';
import { contentDocument } from '../views.ts';
import { answer, PAGE_CACHE, responseHeaders, tags } from './common.ts';

export const contentPageRoute = defineRoute({ method: 'GET', path: '/content/{id}', operationId: 'content-page', auth: 'public', tags,
  responseMediaType: 'text/html', responseHeaders, cache: PAGE_CACHE,
  summary: 'A content item’s public page (HTML): title, description, player or thumbnail, tags and related items',
  params: () => z.object({ id: uuid }) },
async ({ params }) => answer(await loadContentPage(db(), params.id), (page) => contentDocument(siteUrl(), page)));
