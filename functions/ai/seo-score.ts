import type { TrendingKeyword } from './suggestion.ts';

/**
 * SEO score, 0–100, by a fixed rubric: the same input always gets the same score and the same reasons, and every rule
 * that does not give full points says what to change. `keywords` are the item's keyphrases, best first (the offline
 * analysis, keyphrases.ts); the primary keyword is the first.
 *
 * | rule                    | max | full points                                      | partial                                   |
 * |-------------------------|-----|--------------------------------------------------|-------------------------------------------|
 * | title_length            |  20 | title of 30–70 characters                        | 10 for 15–29 or 71–100; else 0            |
 * | title_keyword_position  |  15 | primary keyword starts in the title's first half | 7 when it is later in the title; else 0   |
 * | description_length      |  15 | description of ≥ 150 characters                  | 7 for 50–149; else 0                      |
 * | description_keyword     |  10 | primary keyword in its first 160 characters      | 5 when it is later; else 0                |
 * | tag_count               |  15 | 5–15 tags                                        | 7 for 1–4 or 16–30; else 0                |
 * | tag_relevance           |  10 | every tag shares a word with a keyword           | round(10 × relevant tags / tags)          |
 * | trending_overlap        |  15 | tags and keywords cover the top trends           | round(15 × trendingScore / 100)           |
 *
 * Keyword matches are whole words, case-insensitive. Total 100.
 */

export interface SeoInput {
  title: string;
  description: string;
  tags: readonly string[];
  /** The item's keyphrases, best first. */
  keywords: readonly string[];
  /** The category's trending keywords. */
  trending: readonly TrendingKeyword[];
}

export interface SeoReason {
  rule: 'title_length' | 'title_keyword_position' | 'description_length' | 'description_keyword' | 'tag_count' | 'tag_relevance'
    | 'trending_overlap';
  points: number;
  max: number;
  /** What to change; what was right, when nothing needs to. */
  advice: string;
}

export interface SeoScore {
  score: number;
  reasons: SeoReason[];
}

/** How many of the top trends are weighed for the trending score. */
export const TRENDING_TOP = 5;

const normalize = (text: string) => text.toLowerCase().replace(/#/gu, '').replace(/[^\p{L}\p{N}'-]+/gu, ' ').trim();
const wordsOf = (text: string) => normalize(text).split(' ').filter(Boolean);

/** Character position of the first whole-word occurrence of `phrase` in `text`, or -1. */
function findPhrase(text: string, phrase: string): number {
  const target = wordsOf(phrase);
  if (target.length === 0) return -1;
  const pattern = target.map((word) => word.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&')).join(`[^\\p{L}\\p{N}]+`);
  const match = new RegExp(`(?<![\\p{L}\\p{N}])${pattern}(?![\\p{L}\\p{N}])`, 'iu').exec(text);
  return match ? match.index : -1;
}

/** Whether the trend's words appear, in a row, among the term's words. */
const covers = (term: string, trend: string) => {
  const termWords = wordsOf(term);
  const trendWords = wordsOf(trend);
  if (trendWords.length === 0) return false;
  for (let start = 0; start + trendWords.length <= termWords.length; start += 1) {
    if (trendWords.every((word, offset) => termWords[start + offset] === word)) return true;
  }
  return false;
};

/**
 * How well `terms` (tags and keywords) cover the trends: 100 × the summed score of the trends they cover over the summed
 * score of the top TRENDING_TOP trends (capped at 100), and which trends they cover (best first). A term covers a trend
 * when it contains all the trend's words in a row ("sourdough bread" covers "sourdough"). No trends: 0.
 */
export function trendingScore(terms: readonly string[], trending: readonly TrendingKeyword[]): { score: number; overlap: string[] } {
  const trends = [...trending].filter((t) => t.score > 0 && wordsOf(t.keyword).length > 0)
    .sort((a, b) => b.score - a.score || (a.keyword < b.keyword ? -1 : a.keyword > b.keyword ? 1 : 0));
  const overlap = trends.filter((trend) => terms.some((term) => covers(term, trend.keyword)));
  const top = trends.slice(0, TRENDING_TOP).reduce((sum, t) => sum + t.score, 0);
  if (top === 0) return { score: 0, overlap: [] };
  const covered = overlap.reduce((sum, t) => sum + t.score, 0);
  return { score: Math.min(100, Math.round((100 * covered) / top)), overlap: [...new Set(overlap.map((t) => normalize(t.keyword)))] };
}

/** The score and, rule by rule, the points and what to change. */
export function seoScore(input: SeoInput): SeoScore {
  const title = input.title.trim();
  const description = input.description.trim();
  const primary = input.keywords.find((k) => wordsOf(k).length > 0);
  const reasons: SeoReason[] = [];
  const rule = (name: SeoReason['rule'], max: number, points: number, advice: string) => reasons.push({ rule: name, points, max, advice });

  const titleChars = [...title].length;
  if (titleChars >= 30 && titleChars <= 70) rule('title_length', 20, 20, `Title length is good (${titleChars} characters).`);
  else if ((titleChars >= 15 && titleChars < 30) || (titleChars > 70 && titleChars <= 100)) {
    rule('title_length', 20, 10, `Title is ${titleChars} characters; 30–70 reads fully in search results${titleChars < 30 ? ' and says more' : ' without being cut off'}.`);
  } else rule('title_length', 20, 0, `Title is ${titleChars} characters; aim for 30–70.`);

  const inTitle = primary ? findPhrase(title, primary) : -1;
  if (!primary) rule('title_keyword_position', 15, 0, 'No keyword found in the text: say what the content is about in the title and description.');
  else if (inTitle >= 0 && inTitle < title.length / 2) rule('title_keyword_position', 15, 15, `The main keyword "${primary}" leads the title.`);
  else if (inTitle >= 0) rule('title_keyword_position', 15, 7, `Move the main keyword "${primary}" into the first half of the title.`);
  else rule('title_keyword_position', 15, 0, `Put the main keyword "${primary}" in the first half of the title.`);

  const descriptionChars = [...description].length;
  if (descriptionChars >= 150) rule('description_length', 15, 15, `Description length is good (${descriptionChars} characters).`);
  else rule('description_length', 15, descriptionChars >= 50 ? 7 : 0, `Description is ${descriptionChars} characters; write at least 150.`);

  const inDescription = primary ? findPhrase(description, primary) : -1;
  if (!primary) rule('description_keyword', 10, 0, 'No keyword found: open the description with what the content is about.');
  else if (inDescription >= 0 && inDescription < 160) rule('description_keyword', 10, 10, `The main keyword "${primary}" opens the description.`);
  else if (inDescription >= 0) rule('description_keyword', 10, 5, `Mention "${primary}" within the description's first 160 characters.`);
  else rule('description_keyword', 10, 0, `Mention "${primary}" within the description's first 160 characters.`);

  const tags = [...new Set(input.tags.map(normalize).filter(Boolean))];
  if (tags.length >= 5 && tags.length <= 15) rule('tag_count', 15, 15, `Tag count is good (${tags.length}).`);
  else if ((tags.length >= 1 && tags.length < 5) || (tags.length > 15 && tags.length <= 30)) {
    rule('tag_count', 15, 7, `${tags.length} tags; use 5–15${tags.length < 5 ? ': add specific ones' : ': keep the most specific'}.`);
  } else rule('tag_count', 15, 0, `${tags.length} tags; use 5–15.`);

  const keywordWords = new Set(input.keywords.flatMap(wordsOf));
  const irrelevant = tags.filter((tag) => !wordsOf(tag).some((word) => keywordWords.has(word)));
  const relevancePoints = tags.length === 0 ? 0 : Math.round((10 * (tags.length - irrelevant.length)) / tags.length);
  rule('tag_relevance', 10, relevancePoints, tags.length === 0 ? 'Add tags that name what the content is about.'
    : irrelevant.length === 0 ? 'Every tag matches the content.'
      : `Tags not found in the content: ${irrelevant.slice(0, 5).join(', ')}; replace them with words the title and description use.`);

  const trend = trendingScore([...tags, ...input.keywords], input.trending);
  const trendPoints = Math.round((15 * trend.score) / 100);
  const missing = [...input.trending].sort((a, b) => b.score - a.score).slice(0, TRENDING_TOP).map((t) => normalize(t.keyword))
    .filter((k) => k && !trend.overlap.includes(k)).slice(0, 3);
  rule('trending_overlap', 15, trendPoints, input.trending.length === 0 ? 'No trending keywords for this category yet.'
    : missing.length === 0 ? `Covers the category's top trends (${trend.overlap.join(', ')}).`
      : `Trending in this category: ${missing.join(', ')}; use those that fit the content in tags or the title.`);

  return { score: reasons.reduce((sum, r) => sum + r.points, 0), reasons };
}
