import type { Sql, TransactionSql } from 'postgres';
import type { SuggestionInput } from './suggestion.ts';

/**
 * Term statistics of the discoverable corpus, for TF-IDF: how many titles contain a word (search.lexicon.ndoc, 007)
 * and how many documents there are. The offline engine ranks an item's keyphrases against it, so a word every title
 * has ("video") counts for less than one that sets the item apart.
 */
export interface Corpus {
  /** Titles containing the (lower-case, unstemmed) word; 0 when the lexicon does not have it. */
  documentFrequency(word: string): number;
  /** Documents in the corpus (never below any word's frequency). */
  documents: number;
}

/** At most this many distinct words are looked up per item (a 10,000-character description has ~1,500 words). */
export const MAX_LOOKUP_WORDS = 1000;
const LEXICON_WORD = /^\p{L}{3,40}$/u;

/** A corpus from known counts (tests, and the empty corpus of a fresh database). */
export function corpusFromCounts(counts: ReadonlyMap<string, number> | Record<string, number>, documents: number): Corpus {
  const map = counts instanceof Map ? counts : new Map(Object.entries(counts));
  const largest = Math.max(0, ...map.values());
  return { documentFrequency: (word) => map.get(word) ?? 0, documents: Math.max(documents, largest) };
}

export const EMPTY_CORPUS: Corpus = corpusFromCounts(new Map(), 0);

/** The distinct words of an item that the lexicon can hold (letters only, 3–40 characters, lower case), bounded. */
export function corpusWords(input: Pick<SuggestionInput, 'title' | 'description' | 'trending'>): string[] {
  const text = [input.title, input.description, ...input.trending.map((t) => t.keyword)].join(' ').toLowerCase();
  const words = new Set<string>();
  for (const word of text.split(/[^\p{L}]+/u)) {
    if (LEXICON_WORD.test(word)) words.add(word);
    if (words.size === MAX_LOOKUP_WORDS) break;
  }
  return [...words];
}

/**
 * The lexicon's counts of `words` and the corpus size, in one query. Must run as service_role (schema `search` is
 * service-side). The size is the planner's estimate of content_item rows (an exact count of 1M rows costs 100+ ms per
 * call; IDF only needs the order of magnitude), never below the largest count found.
 */
export async function lexiconStats(sql: Sql | TransactionSql, words: readonly string[]): Promise<Corpus> {
  const lookup = words.slice(0, MAX_LOOKUP_WORDS);
  const [row] = await sql<{ counts: Record<string, number>; documents: string }[]>`
    WITH hits AS (SELECT l.word, l.ndoc FROM search.lexicon l WHERE l.word = ANY(${lookup}::text[]))
    SELECT coalesce(jsonb_object_agg(h.word, h.ndoc), '{}'::jsonb) AS counts,
           greatest((SELECT c.reltuples FROM pg_catalog.pg_class c WHERE c.oid = 'public.content_item'::regclass),
                    coalesce(max(h.ndoc), 0), 0)::bigint AS documents
    FROM hits h`;
  return corpusFromCounts(row?.counts ?? {}, Number(row?.documents ?? 0));
}
