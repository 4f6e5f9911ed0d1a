import { callbackRoutes } from './routes/callback.ts';
import { connectionsRoute } from './routes/connections.ts';
import { disconnectRoute } from './routes/disconnect.ts';
import { initRoutes } from './routes/init.ts';

/** The oauth feature's routes: one Lambda (http.ts) serves them all. */
export const routes = [...initRoutes, ...callbackRoutes, connectionsRoute, disconnectRoute];
