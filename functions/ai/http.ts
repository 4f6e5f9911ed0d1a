import { db } from '../_shared/db.ts';
import { httpRouter } from '../_shared/http.ts';
import { jobDispatcher } from '../jobs/dispatcher.ts';
import { routes } from './routes.ts';

db();
jobDispatcher();
/** The ai feature's Lambda: suggestions for the caller's items, applying them, AI settings, admins' costs. */
export const handler = httpRouter(routes);
