import { db } from '../_shared/db.ts';
import { httpRouter } from '../_shared/http.ts';
import { jobDispatcher } from '../jobs/dispatcher.ts';
import { seoSettings } from './config.ts';
import { routes } from './routes.ts';

db();
jobDispatcher();
seoSettings();
/** The seo feature's Lambda: the caller's engine connections, submissions and auto-submit setting. */
export const handler = httpRouter(routes);
