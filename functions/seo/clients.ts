import { once } from '../_shared/env.ts';
import { seoSettings } from './config.ts';
import { searchEngines, type SearchEngines } from './engines/index.ts';

/** The engines' adapters, once per container (Google's access tokens are cached in its adapter). */
export const engines = once((): SearchEngines => searchEngines({ hosts: seoSettings().hosts }));
