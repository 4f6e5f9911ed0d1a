import * as z from 'zod/mini';
import { db } from '../../_shared/db.ts';
import { defineRoute } from '../../_shared/route.ts';
import { uuid } from '../../_shared/schemas.ts';
import { clickHashSecret, clickSourceAddress, trackClick, visitorHash } from '../clicks.ts';
import { ClickResponse } from '../responses.ts';
import { tags } from './common.ts';

export const TrackClickBody = () => z.strictObject({ content_id: uuid });

export const trackClickRoute = defineRoute({ method: 'POST', path: '/track-click', auth: 'public', tags, response: ClickResponse,
  summary: 'Count a click on an item (once per visitor address per item per hour; 429 past 60 new clicks a minute from one address)', body: TrackClickBody },
async ({ body, sourceIp, userAgent, headers }) => trackClick(db(), {
  contentId: body.content_id, visitorHash: visitorHash(await clickHashSecret(), await clickSourceAddress(headers, sourceIp)), referrer: headers.referer, userAgent,
}));
