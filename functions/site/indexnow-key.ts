import * as z from 'zod/mini';
import { once, readEnv } from '../_shared/env.ts';

/**
 * INDEXNOW_KEY: the stage's one IndexNow key (public by design: engines fetch it from the site), 8–128 characters of
 * a-z, A-Z, 0-9 and `-`, as IndexNow requires. Read once, when first needed (the site's Lambda asks at cold start).
 */
export const indexNowKey = once(() => readEnv({
  INDEXNOW_KEY: z.string().check(z.regex(/^[a-zA-Z0-9-]{8,128}$/, 'must be 8–128 characters of a-z, A-Z, 0-9 and -')),
}).INDEXNOW_KEY);

/** The key file's name at the site's root: `<key>.txt`. */
export const indexNowKeyFile = (key: string) => `${key}.txt`;
