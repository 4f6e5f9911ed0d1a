import { sql } from '../_shared/db.ts';
import { readEnv } from '../_shared/env.ts';
import { httpHandler } from '../_shared/http.ts';
import { clickSecretEnv, trackClick, visitorHash } from './clicks.ts';
import { route } from './routes/track-click.ts';

const env = readEnv(clickSecretEnv);

export const handler = httpHandler(route, ({ body, sourceIp, userAgent, headers }) =>
  trackClick(sql, { contentId: body.content_id, visitorHash: visitorHash(env.CLICK_HASH_SECRET, sourceIp, userAgent), referrer: headers.referer, userAgent }));
