import { indexNowKeySchema } from '../_shared/catalog/site.ts';
import { once, readEnv } from '../_shared/env.ts';

/** INDEXNOW_KEY (functions/_shared/catalog/site.ts), read once, when first needed (the site's Lambda asks at cold start). */
export const indexNowKey = once(() => readEnv({ INDEXNOW_KEY: indexNowKeySchema() }).INDEXNOW_KEY);

/** The key file's name at the site's root: `<key>.txt`. */
export const indexNowKeyFile = (key: string) => `${key}.txt`;
