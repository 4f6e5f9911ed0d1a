import { adminCostsRoute } from './routes/admin-costs.ts';
import { applyRoute } from './routes/apply.ts';
import { bulkTagRoute } from './routes/bulk-tag.ts';
import { generateTagsRoute } from './routes/generate-tags.ts';
import { getSettingsRoute, patchSettingsRoute } from './routes/settings.ts';
import { suggestionsRoute } from './routes/suggestions.ts';

/** The ai feature's routes: one Lambda (http.ts) serves them all. */
export const routes = [generateTagsRoute, suggestionsRoute, applyRoute, bulkTagRoute, getSettingsRoute, patchSettingsRoute, adminCostsRoute];
