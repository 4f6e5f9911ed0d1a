/** "Did you mean": which words of a search to look up in the lexicon, and how to put corrections back. */

const MAX_CORRECTED_WORDS = 10;
const WORD = /[\p{L}\p{N}]+/gu;

/** The distinct alphabetic words of a query (3-40 letters, lower-cased) that the lexicon could correct. */
export function correctableWords(q: string): string[] {
  const words = (q.toLowerCase().match(WORD) ?? []).filter((w) => /^\p{L}{3,40}$/u.test(w));
  return [...new Set(words)].slice(0, MAX_CORRECTED_WORDS);
}

/** The query with each corrected word replaced wherever it stands as a whole word; operators and quotes are kept. */
export function applyCorrections(q: string, corrections: { word: string; suggestion: string }[]): string {
  const byWord = new Map(corrections.map((c) => [c.word, c.suggestion]));
  return q.replace(WORD, (token) => byWord.get(token.toLowerCase()) ?? token);
}
