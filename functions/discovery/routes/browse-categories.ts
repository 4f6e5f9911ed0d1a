import { db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { browseCategories } from '../queries.ts';
import { CategoriesResponse } from '../responses.ts';
import { tags } from './common.ts';

export const browseCategoriesRoute = defineRoute({ method: 'GET', path: '/browse-categories', auth: 'public', tags,
  response: CategoriesResponse,
  cache: { maxAgeSeconds: 300, sMaxAgeSeconds: 600 }, summary: 'Active categories with (cached) item counts' },
() => browseCategories(db()));
