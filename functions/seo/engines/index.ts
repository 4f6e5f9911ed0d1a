import { bingEngine } from './bing.ts';
import { googleEngine, type GoogleEngineOptions } from './google.ts';
import { indexNowEngine } from './indexnow.ts';
import type { SearchEngine, SearchEngineName } from './port.ts';

export type SearchEngines = { [N in SearchEngineName]: SearchEngine<N> };

/** Every engine's adapter on the same hosts (real, or a sandbox's), clock and fetch. */
export const searchEngines = (options: GoogleEngineOptions): SearchEngines => ({
  google: googleEngine(options),
  indexnow: indexNowEngine(options),
  bing: bingEngine(options),
});
