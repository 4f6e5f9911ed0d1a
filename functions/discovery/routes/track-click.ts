import * as z from 'zod/mini';
import { defineRoute } from '../../_shared/route.ts';
import { uuid } from '../../_shared/schemas.ts';
import { tags } from './common.ts';

export const TrackClickBody = z.strictObject({ content_id: uuid });

export const route = defineRoute({ method: 'POST', path: '/track-click', auth: 'public', tags,
  summary: 'Count a click on an item (once per visitor per item per hour)', body: TrackClickBody });
