import { connectionsRoute, createConnectionRoute, deleteConnectionRoute } from './routes/connections.ts';
import { getSettingsRoute, putSettingsRoute } from './routes/settings.ts';
import { submissionsRoute } from './routes/submissions.ts';
import { submitRoute } from './routes/submit.ts';

/** The seo feature's routes: one Lambda (http.ts) serves them all. */
export const routes = [connectionsRoute, createConnectionRoute, deleteConnectionRoute, submitRoute, submissionsRoute, getSettingsRoute, putSettingsRoute];
