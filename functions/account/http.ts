import { db } from '../_shared/db.ts';
import { httpRouter } from '../_shared/http.ts';
import { routes } from './routes.ts';

db();
/** The account feature's Lambda: profile set-up, the caller's account, notifications. */
export const handler = httpRouter(routes);
