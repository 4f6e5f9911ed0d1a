import { meRoute, updateMeRoute } from './routes/me.ts';
import { markNotificationsReadRoute, notificationsRoute } from './routes/notifications.ts';
import { profileSetupRoute } from './routes/profile-setup.ts';

/** The account feature's routes: one Lambda (http.ts) serves them all; the manifest and the OpenAPI document list them. */
export const routes = [profileSetupRoute, meRoute, updateMeRoute, notificationsRoute, markNotificationsReadRoute];
