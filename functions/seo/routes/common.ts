import * as z from 'zod/mini';
import { SEARCH_ENGINES } from '../engines/port.ts';

export const tags = ['SEO'];
export const engineName = () => z.enum(SEARCH_ENGINES);
/** Engines that need the user's own connection (IndexNow uses the platform's key). */
export const CONNECTED_ENGINES = ['google', 'bing'] as const;
export const SUBMISSION_STATUSES = ['pending', 'submitted', 'indexed', 'failed', 'rate_limited'] as const;
