import { db } from '../_shared/db.ts';
import { httpRouter } from '../_shared/http.ts';
import { routes } from './routes.ts';

db();
/** The content feature's Lambda: the creator's own content, listed, edited and deleted. */
export const handler = httpRouter(routes);
