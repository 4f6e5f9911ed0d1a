import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { setUpProfile } from './queries.ts';
import { routes } from './routes.ts';

export const handler = httpHandler(routes.profileSetup, ({ claims, body }) => setUpProfile(sql, claims, body));
