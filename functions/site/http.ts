import { siteUrl } from '../_shared/catalog/site.ts';
import { db } from '../_shared/db.ts';
import { httpRouter } from '../_shared/http.ts';
import { routes } from './routes.ts';

db();
siteUrl();
/** The site feature's Lambda: the crawlable creator and content pages, server-rendered HTML. */
export const handler = httpRouter(routes);
