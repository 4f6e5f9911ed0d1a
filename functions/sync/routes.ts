import { syncRoutes } from './routes/sync.ts';

/** The sync feature's routes: one Lambda (http.ts) serves them all. */
export const routes = [...syncRoutes];
