import { browseCategoriesRoute } from './routes/browse-categories.ts';
import { browseContentRoute } from './routes/browse-content.ts';
import { browseCreatorsRoute } from './routes/browse-creators.ts';
import { getContentDetailRoute } from './routes/get-content-detail.ts';
import { getCreatorBySlugRoute } from './routes/get-creator-by-slug.ts';
import { getSeoMetadataRoute } from './routes/get-seo-metadata.ts';
import { getTrendingRoute } from './routes/get-trending.ts';
import { robotsRoute } from './routes/robots-txt.ts';
import { searchContentRoute } from './routes/search-content.ts';
import { searchCreatorsRoute } from './routes/search-creators.ts';
import { sitemapRoute } from './routes/sitemap-xml.ts';
import { trackClickRoute } from './routes/track-click.ts';

/** The discovery feature's routes: one Lambda (http.ts) serves them all; the manifest and the OpenAPI document list them. */
export const routes = [
  browseContentRoute, browseCreatorsRoute, browseCategoriesRoute, searchContentRoute, searchCreatorsRoute, getTrendingRoute,
  getContentDetailRoute, getCreatorBySlugRoute, getSeoMetadataRoute, trackClickRoute, sitemapRoute, robotsRoute,
];
