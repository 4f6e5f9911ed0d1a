import { db } from '../_shared/db.ts';
import { httpRouter } from '../_shared/http.ts';
import { routes } from './routes.ts';

db();
/** The admin feature's Lambda: roles, verification, featured creators, moderation, user look-up, jobs and dead letters. */
export const handler = httpRouter(routes);
