import { facebook } from './facebook.ts';
import { google } from './google.ts';
import { instagram } from './instagram.ts';
import { startSandbox, type PlatformSandbox } from './server.ts';
import { tiktok } from './tiktok.ts';
import { x } from './x.ts';

export { SANDBOX_CLIENTS } from './clients.ts';
export type { PlatformSandbox } from './server.ts';

/** The platform sandbox with every provider: what `npm start` and the tests run the oauth (and sync) features against. */
export const startPlatformSandbox = (options: { port?: number; now?: () => number } = {}): Promise<PlatformSandbox> =>
  startSandbox([google, instagram, tiktok, facebook, x], options);
