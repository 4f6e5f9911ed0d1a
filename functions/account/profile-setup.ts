import { sql } from '../_shared/db.ts';
import { httpHandler } from '../_shared/http.ts';
import { setUpProfile } from './queries.ts';
import { route } from './routes/profile-setup.ts';

export const handler = httpHandler(route, ({ claims, body }) => setUpProfile(sql, claims, body));
