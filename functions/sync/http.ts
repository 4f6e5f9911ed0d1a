import { db } from '../_shared/db.ts';
import { httpRouter } from '../_shared/http.ts';
import { jobDispatcher } from '../jobs/dispatcher.ts';
import { routes } from './routes.ts';

db();
jobDispatcher();
/** The sync feature's Lambda: users start syncs of their accounts. */
export const handler = httpRouter(routes);
