import { contentPageRoute } from './routes/content-page.ts';
import { creatorPageRoute } from './routes/creator-page.ts';
import { indexNowKeyRoute } from './routes/indexnow-key.ts';

/** The site feature's routes (the pages and the IndexNow key file): one Lambda (http.ts) serves them; the manifest and the OpenAPI document list them. */
export const routes = [creatorPageRoute, contentPageRoute, indexNowKeyRoute];
