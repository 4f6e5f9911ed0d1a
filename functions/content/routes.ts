import { deleteMyContentRoute } from './routes/delete-my-content.ts';
import { listMyContentRoute } from './routes/list-my-content.ts';
import { updateMyContentRoute } from './routes/update-my-content.ts';

/** The content feature's routes: one Lambda (http.ts) serves them all; the manifest and the OpenAPI document list them. */
export const routes = [listMyContentRoute, updateMyContentRoute, deleteMyContentRoute];
