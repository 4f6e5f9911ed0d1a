import type { Paragraph, Root, Sentence } from 'nlcst';
import { toString } from 'nlcst-to-string';
import { retext } from 'retext';
import retextEnglish from 'retext-english';
import retextKeywords from 'retext-keywords';
import retextPos from 'retext-pos';
import { VFile } from 'vfile';
import type { Corpus } from './corpus.ts';
import { MAX_TAG_CHARS, type TrendingKeyword } from './suggestion.ts';

/**
 * Keyphrases of one item, ranked. Candidates come from retext-keywords (nouns and proper adjectives, tagged by
 * retext-pos, grouped into phrases by stem) and from the category's trending keywords that occur in the item's text;
 * each is scored
 *
 *   score = tf × idf × (1 + 0.25 × (words − 1)) × (1 + 2 × trend)
 *
 * tf: occurrences of the phrase's words in a row, a title occurrence counting TITLE_WEIGHT; idf: the mean over its words
 * of ln((N + 1) / (df + 1)) + 1 against the lexicon (N documents, df titles with the word); trend: the matching
 * trending keyword's score over the best trending score (0..1), 0 when none matches. The order is then diversified
 * greedily: each next phrase is the best by score × (1 − 0.5 × the share of its words already taken), so "sourdough",
 * "sourdough bread", "bake sourdough bread" do not crowd out "starter". Ties go to the phrase that sorts first, so the
 * same text and corpus always give the same ranking.
 */

const TITLE_WEIGHT = 2;
const REDUNDANCY_PENALTY = 0.5;
/** A phrase matching the category's best trend weighs 3 times as much: enough to outrank a word said once more. */
const TRENDING_BOOST = 2;
const MAX_PHRASE_WORDS = 4;
const RETEXT_CANDIDATES = 40;
/** Enough to read a long description; retext's cost grows with the text (~1 ms per 60 words). */
const MAX_TEXT_CHARS = 6000;

const processor = retext().use(retextEnglish).use(retextPos).use(retextKeywords, { maximum: RETEXT_CANDIDATES }).freeze();

export interface RankedPhrase {
  /** Lower case, single-spaced: what a tag would be. */
  phrase: string;
  /** Its most frequent spelling in the item ("iPhone", "Sourdough Bread"), for titles. */
  display: string;
  score: number;
  /** The trending keyword it matches, if any. */
  trending?: string;
}

export interface ItemSentence {
  text: string;
  /** Lower-case words, in order. */
  words: string[];
}

export interface ItemAnalysis {
  /** Best first. */
  phrases: RankedPhrase[];
  /** The description's sentences, in order. */
  sentences: ItemSentence[];
}

/** Whitespace collapsed, links and e-mail addresses out (they are not topics), hashtags as words. */
export function cleanText(text: string): string {
  return text
    .replace(/\b(?:https?:\/\/|www\.)\S+/giu, ' ')
    .replace(/\S+@\S+\.\S+/gu, ' ')
    .replace(/#(?=\p{L})/gu, '')
    .replace(/[ \t\f\v\u00a0]+/gu, ' ')
    .trim();
}

/** A phrase's form as a tag: lower case, letters, digits, spaces, hyphens and apostrophes only. */
export const normalizePhrase = (value: string) =>
  value.toLowerCase().replace(/[^\p{L}\p{N}\s'-]+/gu, ' ').replace(/\s+/gu, ' ').trim();

const wordsOfSentence = (sentence: Sentence) =>
  sentence.children.filter((node) => node.type === 'WordNode').map((node) => toString(node).toLowerCase());

/** How often `phrase` (words) occurs contiguously in the token lists. */
function occurrences(phrase: readonly string[], sentences: readonly (readonly string[])[]): number {
  let count = 0;
  for (const words of sentences) {
    for (let start = 0; start + phrase.length <= words.length; start += 1) {
      if (phrase.every((word, offset) => words[start + offset] === word)) count += 1;
    }
  }
  return count;
}

const mostFrequent = (values: readonly string[]) => {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))[0]?.[0] ?? '';
};

/** Parses, tags and extracts the candidates of `title` + `description`, and ranks them against the corpus and trends. */
export function analyzeText(title: string, description: string, corpus: Corpus, trending: readonly TrendingKeyword[]): ItemAnalysis {
  const cleanTitle = cleanText(title).replace(/\s+/gu, ' ');
  const cleanDescription = cleanText(description).slice(0, MAX_TEXT_CHARS);
  const file = new VFile(cleanTitle ? `${cleanTitle}\n\n${cleanDescription}` : cleanDescription);
  const tree = processor.runSync(processor.parse(file), file) as Root;

  const paragraphs = tree.children.filter((node): node is Paragraph => node.type === 'ParagraphNode');
  const sentencesOf = (paragraph: Paragraph) => paragraph.children.filter((node): node is Sentence => node.type === 'SentenceNode');
  const titleSentences = cleanTitle && paragraphs[0] ? sentencesOf(paragraphs[0]).map(wordsOfSentence) : [];
  const descriptionSentences = (cleanTitle ? paragraphs.slice(1) : paragraphs).flatMap(sentencesOf)
    .map((sentence) => ({ text: toString(sentence).replace(/\s+/gu, ' ').trim(), words: wordsOfSentence(sentence) }))
    .filter((sentence) => sentence.words.length > 0);
  const descriptionWords = descriptionSentences.map((sentence) => sentence.words);

  // Candidates: phrase -> its spellings in the text.
  const spellings = new Map<string, string[]>();
  const addCandidate = (surfaces: readonly string[]) => {
    for (const surface of surfaces) {
      const display = surface.replace(/\s+/gu, ' ').trim();
      const phrase = normalizePhrase(display);
      const words = phrase.split(' ');
      if (!phrase || words.length > MAX_PHRASE_WORDS || phrase.length > MAX_TAG_CHARS || !/\p{L}/u.test(phrase)) continue;
      if (phrase.length < 2) continue;
      spellings.set(phrase, [...(spellings.get(phrase) ?? []), display]);
    }
  };
  for (const keyphrase of file.data.keyphrases ?? []) addCandidate(keyphrase.matches.map((match) => toString(match.nodes)));
  for (const keyword of file.data.keywords ?? []) addCandidate(keyword.matches.map((match) => toString(match.node)));

  const trendByPhrase = new Map<string, TrendingKeyword>();
  for (const trend of trending) {
    const phrase = normalizePhrase(trend.keyword);
    if (!phrase || trendByPhrase.has(phrase)) continue;
    trendByPhrase.set(phrase, trend);
    // A trending keyword is a candidate only where the item itself says it.
    if (occurrences(phrase.split(' '), [...titleSentences, ...descriptionWords]) > 0 && !spellings.has(phrase)) addCandidate([phrase]);
  }
  const bestTrend = Math.max(0, ...trending.map((trend) => trend.score));

  const idf = (word: string) => Math.log((corpus.documents + 1) / (corpus.documentFrequency(word) + 1)) + 1;
  const phrases: RankedPhrase[] = [];
  for (const [phrase, surfaces] of spellings) {
    const words = phrase.split(' ');
    const tf = Math.max(1, TITLE_WEIGHT * occurrences(words, titleSentences) + occurrences(words, descriptionWords));
    const meanIdf = words.reduce((sum, word) => sum + idf(word), 0) / words.length;
    const trend = matchingTrend(words, trendByPhrase);
    const boost = trend && bestTrend > 0 ? Math.max(0, trend.score) / bestTrend : 0;
    const score = tf * meanIdf * (1 + 0.25 * (words.length - 1)) * (1 + TRENDING_BOOST * boost);
    phrases.push({ phrase, display: mostFrequent(surfaces), score, ...(trend ? { trending: normalizePhrase(trend.keyword) } : {}) });
  }
  phrases.sort((a, b) => b.score - a.score || (a.phrase < b.phrase ? -1 : a.phrase > b.phrase ? 1 : 0));
  return { phrases: diversify(phrases), sentences: descriptionSentences };
}

/** Greedy re-ranking that discounts words already covered by better phrases (`phrases` sorted best first). */
function diversify(phrases: readonly RankedPhrase[]): RankedPhrase[] {
  const remaining = phrases.map((phrase) => ({ phrase, words: phrase.phrase.split(' ') }));
  const taken = new Set<string>();
  const ordered: RankedPhrase[] = [];
  while (remaining.length > 0) {
    let best = 0;
    let bestValue = -Infinity;
    remaining.forEach((candidate, index) => {
      const covered = candidate.words.filter((word) => taken.has(word)).length / candidate.words.length;
      const value = candidate.phrase.score * (1 - REDUNDANCY_PENALTY * covered);
      if (value > bestValue) { best = index; bestValue = value; }  // strict: the earlier (better-sorted) one wins ties
    });
    const [next] = remaining.splice(best, 1);
    for (const word of next!.words) taken.add(word);
    ordered.push(next!.phrase);
  }
  return ordered;
}

/** The best trending keyword the phrase is or contains (all of the keyword's words, in a row). */
function matchingTrend(words: readonly string[], trends: ReadonlyMap<string, TrendingKeyword>): TrendingKeyword | undefined {
  let best: TrendingKeyword | undefined;
  for (const [phrase, trend] of trends) {
    if (occurrences(phrase.split(' '), [words]) > 0 && (!best || trend.score > best.score)) best = trend;
  }
  return best;
}
