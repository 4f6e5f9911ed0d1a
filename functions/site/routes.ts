import { contentPageRoute } from './routes/content-page.ts';
import { creatorPageRoute } from './routes/creator-page.ts';

/** The site feature's routes: one Lambda (http.ts) serves them; the manifest and the OpenAPI document list them. */
export const routes = [creatorPageRoute, contentPageRoute];
