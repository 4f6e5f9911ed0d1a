import { documented } from '../_shared/route.ts';
import * as responses from './responses.ts';
import { route as me } from './routes/me.ts';
import { route as updateMe } from './routes/me-update.ts';
import { route as markNotificationsRead } from './routes/notifications-mark-read.ts';
import { route as notifications } from './routes/notifications.ts';
import { route as profileSetup } from './routes/profile-setup.ts';

/**
 * The account routes as the manifest, the local gateway and the OpenAPI document see them. Each handler imports
 * its own module under routes/ instead, so its bundle holds its own schemas and no response schemas.
 */
export const routes = {
  profileSetup: documented(profileSetup, responses.MeResponse),
  me: documented(me, responses.MeResponse),
  updateMe: documented(updateMe, responses.MeResponse),
  notifications: documented(notifications, responses.NotificationsResponse),
  markNotificationsRead: documented(markNotificationsRead, responses.MarkReadResponse),
};
