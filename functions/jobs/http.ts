import { db } from '../_shared/db.ts';
import { httpRouter } from '../_shared/http.ts';
import { jobDispatcher } from './dispatcher.ts';
import { routes } from './routes.ts';

db();
jobDispatcher();
/** The jobs feature's Lambda: the caller's jobs, their logs and stats, cancelling, and admins' maintenance runs. */
export const handler = httpRouter(routes);
