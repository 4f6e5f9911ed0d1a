import { PLATFORM_NAMES } from '../oauth/providers/port.ts';
import type { Corpus } from './corpus.ts';
import { analyzeText, cleanText, normalizePhrase, type ItemAnalysis, type RankedPhrase } from './keyphrases.ts';
import { buildTitles, capitalize, clip } from './offline-titles.ts';
import { MAX_DESCRIPTION_CHARS, MAX_TAG_CHARS, type Suggestion, type SuggestionInput, type Tone } from './suggestion.ts';

export { corpusWords, lexiconStats, type Corpus } from './corpus.ts';

/**
 * The offline engine: the default when no provider key is configured. Everything it writes comes from the item's own
 * text, the corpus's term statistics and the category's trending keywords (keyphrases.ts ranks them), so two items get
 * different suggestions and the same item and corpus always get the same one (no randomness, stable sorts). It writes
 * English connectives only when the target language is English; `customInstructions` need a language model and are
 * not followed.
 */

const MIN_TAGS = 3;
const SUMMARY_SENTENCES = 3;
const SUMMARY_MAX_CHARS = 600;
const HASHTAGS = 5;
/** Keyphrases that weigh a sentence for the summary. */
const SUMMARY_PHRASES = 10;

const words = (slug: string | null) => (slug ?? '').replace(/[_-]+/gu, ' ').trim();

/** The item's context as words: category, content type and platform. */
function contextOf(input: SuggestionInput) {
  return { category: words(input.category), contentType: capitalize(words(input.contentType)),
    platform: (PLATFORM_NAMES as Record<string, string>)[input.platform] ?? capitalize(words(input.platform)) };
}

/** The item's keyphrases ranked against the corpus and trends (for the SEO score too, whatever engine suggested). */
export const analyzeItem = (input: SuggestionInput, corpus: Corpus): ItemAnalysis =>
  analyzeText(input.title, input.description, corpus, input.trending);

/** A suggestion computed offline from the item, the corpus and the category's trending keywords. */
export function offlineSuggestion(input: SuggestionInput, corpus: Corpus): Suggestion {
  const analysis = analyzeItem(input, corpus);
  const context = contextOf(input);
  const english = /^en\b/u.test(input.targetLanguage);
  const title = cleanText(input.title).replace(/\s+/gu, ' ');
  const tags = buildTags(analysis.phrases, input, context);
  return {
    titles: buildTitles({ title, phrases: analysis.phrases, context }, input.tone, english),
    tags,
    description: buildDescription(analysis, title, tags, input.tone, english),
  };
}

/** Best keyphrases (trending ones boosted in the ranking), then the creator's own tags, then the context's words. */
function buildTags(phrases: readonly RankedPhrase[], input: SuggestionInput, context: ReturnType<typeof contextOf>): string[] {
  const maxTags = Math.max(1, Math.min(input.maxTags, 50));
  const tags: string[] = [];
  const add = (value: string) => {
    const tag = normalizePhrase(value);
    if (/[\p{L}\p{N}]/u.test(tag) && tag.length <= MAX_TAG_CHARS && tags.length < maxTags && !tags.includes(tag)) tags.push(tag);
  };
  for (const phrase of phrases) add(phrase.phrase);
  for (const tag of input.existingTags) add(tag);
  if (tags.length < MIN_TAGS) for (const word of [context.category, context.contentType, context.platform]) add(word);
  if (tags.length === 0) add('content');  // nothing at all to go on (no text, no category): still a valid tag list
  return tags;
}

const TOPIC_LINES: Record<Tone, (list: string) => string> = {
  neutral: (list) => `Topics: ${list}.`,
  professional: (list) => `In this piece: ${list}.`,
  casual: (list) => `We get into ${list}.`,
  playful: (list) => `Expect ${list}!`,
};
const listOf = (items: readonly string[]) =>
  items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;

/** The best sentences of the item (by keyphrase weight, in their order), a topic line and a hashtag line. */
function buildDescription(analysis: ItemAnalysis, title: string, tags: readonly string[], tone: Tone, english: boolean): string {
  const weights = analysis.phrases.slice(0, SUMMARY_PHRASES).map((p) => ({ words: p.phrase.split(' '), score: p.score }));
  const ranked = analysis.sentences.map((sentence, index) => {
    const weight = weights.reduce((sum, phrase) => sum + (containsRun(sentence.words, phrase.words) ? phrase.score : 0), 0);
    return { index, text: sentence.text, weight: weight / (1 + Math.log(sentence.words.length)) };
  }).sort((a, b) => b.weight - a.weight || a.index - b.index);

  const chosen: typeof ranked = [];
  let length = 0;
  for (const sentence of ranked) {
    if (chosen.length === SUMMARY_SENTENCES || (chosen.length > 0 && length + sentence.text.length > SUMMARY_MAX_CHARS)) break;
    chosen.push(sentence);
    length += sentence.text.length + 1;
  }
  const summary = chosen.length > 0
    ? clip(chosen.sort((a, b) => a.index - b.index).map((s) => s.text).join(' '), SUMMARY_MAX_CHARS)
    : title ? (/[.!?…]$/u.test(title) ? title : `${title}.`) : '';

  const topics = analysis.phrases.slice(0, 3).map((p) => p.display);
  const topicLine = english && topics.length >= 2 ? TOPIC_LINES[tone](listOf(topics)) : '';
  const hashtags = tags.slice(0, HASHTAGS).map((tag) => `#${tag.replace(/[^\p{L}\p{N}]+/gu, '')}`).filter((tag) => tag.length > 1);
  return [summary, topicLine, hashtags.join(' ')].filter(Boolean).join('\n\n').slice(0, MAX_DESCRIPTION_CHARS);
}

const containsRun = (sentence: readonly string[], phrase: readonly string[]) => {
  for (let start = 0; start + phrase.length <= sentence.length; start += 1) {
    if (phrase.every((word, offset) => sentence[start + offset] === word)) return true;
  }
  return false;
};
