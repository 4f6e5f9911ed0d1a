import { documented } from '../_shared/route.ts';
import * as responses from './responses.ts';
import { route as browseCategories } from './routes/browse-categories.ts';
import { route as browseContent } from './routes/browse-content.ts';
import { route as browseCreators } from './routes/browse-creators.ts';
import { route as getContentDetail } from './routes/get-content-detail.ts';
import { route as getCreatorBySlug } from './routes/get-creator-by-slug.ts';
import { route as getSeoMetadata } from './routes/get-seo-metadata.ts';
import { route as getTrending } from './routes/get-trending.ts';
import { route as robots } from './routes/robots-txt.ts';
import { route as searchContent } from './routes/search-content.ts';
import { route as searchCreators } from './routes/search-creators.ts';
import { route as sitemap } from './routes/sitemap-xml.ts';
import { route as trackClick } from './routes/track-click.ts';

/**
 * The discovery routes as the manifest, the local gateway and the OpenAPI document see them. Each handler imports
 * its own module under routes/ instead, so its bundle holds its own query schema and no response schemas.
 */
export const routes = {
  browseContent: documented(browseContent, responses.ContentListResponse),
  browseCreators: documented(browseCreators, responses.CreatorListResponse),
  browseCategories: documented(browseCategories, responses.CategoriesResponse),
  searchContent: documented(searchContent, responses.SearchContentResponse),
  searchCreators: documented(searchCreators, responses.SearchCreatorsResponse),
  getTrending: documented(getTrending, responses.TrendingResponse),
  getContentDetail: documented(getContentDetail, responses.ContentDetailResponse),
  getCreatorBySlug: documented(getCreatorBySlug, responses.CreatorPageResponse),
  getSeoMetadata: documented(getSeoMetadata, responses.SeoMetadataResponse),
  trackClick: documented(trackClick, responses.ClickResponse),
  sitemap,
  robots,
};
