import { db } from '../_shared/db.ts';
import { httpRouter } from '../_shared/http.ts';
import { clickHashSecret } from './clicks.ts';
import { routes } from './routes.ts';
import { siteUrl } from '../_shared/catalog/site.ts';

db();
siteUrl();
clickHashSecret.configured();
/** The discovery feature's Lambda: browse, search, trending, detail and creator pages, SEO metadata, clicks, sitemap, robots. */
export const handler = httpRouter(routes);
