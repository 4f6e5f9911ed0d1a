import { siteUrl } from '../_shared/catalog/site.ts';
import { db } from '../_shared/db.ts';
import { httpRouter } from '../_shared/http.ts';
import { indexNowKey } from './indexnow-key.ts';
import { routes } from './routes.ts';

db();
siteUrl();
indexNowKey();
/** The site feature's Lambda: the crawlable creator and content pages, server-rendered HTML, and the IndexNow key file. */
export const handler = httpRouter(routes);
