import * as z from 'zod/mini';

/**
 * What every AI engine answers with (the offline engine, and each provider adapter through the JSON Schema made from
 * this), and what every engine is given. Pure: no I/O, so the job, the routes and the adapters can all import it.
 */

export const TONES = ['neutral', 'casual', 'professional', 'playful'] as const;
export type Tone = (typeof TONES)[number];

export const MIN_TITLES = 3;
export const MAX_TITLES = 5;
export const MAX_TITLE_CHARS = 100;
export const MAX_TAG_CHARS = 50;
export const MAX_DESCRIPTION_CHARS = 5000;
/** user_ai_setting.max_tags is 1..50. */
export const MAX_TAGS_LIMIT = 50;

/**
 * The suggestion schema: 3–5 titles (≤ 100 characters), 1..`maxTags` lower-case tags (≤ 50 characters), a description
 * (≤ 5,000 characters). A factory, so only the bundles that validate suggestions carry it, and so the tag cap can be
 * the user's own setting.
 */
export const SuggestionOutput = (maxTags: number = MAX_TAGS_LIMIT) => z.object({
  titles: z.array(z.string().check(z.minLength(1), z.maxLength(MAX_TITLE_CHARS))).check(z.minLength(MIN_TITLES), z.maxLength(MAX_TITLES)),
  tags: z.array(z.string().check(z.minLength(1), z.maxLength(MAX_TAG_CHARS), z.lowercase())).check(z.minLength(1), z.maxLength(maxTags)),
  description: z.string().check(z.maxLength(MAX_DESCRIPTION_CHARS)),
});
export type Suggestion = z.infer<ReturnType<typeof SuggestionOutput>>;

/** A trending keyword of the item's category (trending_keyword.keyword and trend_score). */
export interface TrendingKeyword {
  keyword: string;
  score: number;
}

/** What an engine is given about one item and its creator's AI settings. */
export interface SuggestionInput {
  title: string;
  description: string;
  /** platform.slug, e.g. youtube. */
  platform: string;
  /** content_type.slug, e.g. long_video. */
  contentType: string;
  /** content_category.code, or null when the item has none. */
  category: string | null;
  existingTags: readonly string[];
  tone: Tone;
  /** user_ai_setting.target_language, e.g. en or pt-BR. */
  targetLanguage: string;
  /** 1..50 (user_ai_setting.max_tags). */
  maxTags: number;
  customInstructions?: string;
  /** The category's trending keywords, highest score first. */
  trending: readonly TrendingKeyword[];
}
