import { db } from '../_shared/db.ts';
import { httpRouter } from '../_shared/http.ts';
import { oauthClients, oauthSettings } from './config.ts';
import { routes } from './routes.ts';

db();
oauthSettings();
oauthClients.configured();
/** The oauth feature's Lambda: connecting, listing and disconnecting platform accounts. */
export const handler = httpRouter(routes);
