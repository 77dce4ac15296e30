// Which private history snippets go into the device context for a request
// (shared by the web app and the CLI): BM25 ranking of the snippets against
// the request, then as many as fit the token budget, best first. Snippets
// that match nothing still carry the user's style (greeting, sign-off), so
// the rest of the budget goes to the most recent ones. The chosen snippets
// are returned oldest first, the order the chat template renders them in.

export interface HistorySnippet {
  text: string;
}

export interface RetrievedSnippet {
  /** Index in the history given. */
  index: number;
  text: string;
  /** BM25 score against the request (0 = no shared term; picked for recency). */
  score: number;
  /** Tokens the snippet costs in the device context. */
  tokens: number;
}

export interface RetrievalOptions {
  /** Tokens the chosen snippets may take together. */
  budgetTokens: number;
  /** The snippet's cost in the device context (its rendered block, tokenized). */
  countTokens(text: string): number | Promise<number>;
  /** BM25 term-frequency saturation (default 1.2) and length normalization (default 0.75). */
  k1?: number;
  b?: number;
}

const STOP_WORDS = new Set(
  'a an and are as at be but by for from has have i in is it its me my of on or our so that the their this to was we were what with you your'.split(
    ' ',
  ),
);

/** Lower-cased word terms (letters and digits of any script), stop words dropped. */
export function retrievalTerms(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter(
    (term) => !STOP_WORDS.has(term),
  );
}

/** BM25 score of each document for the query (Okapi BM25 with the +1 idf floor). */
export function bm25Scores(
  query: string,
  documents: readonly string[],
  k1 = 1.2,
  b = 0.75,
): number[] {
  const docs = documents.map(retrievalTerms);
  const n = docs.length;
  if (n === 0) return [];
  const averageLength = docs.reduce((sum, d) => sum + d.length, 0) / n || 1;
  const documentFrequency = new Map<string, number>();
  for (const doc of docs) {
    for (const term of new Set(doc))
      documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  }
  const queryTerms = [...new Set(retrievalTerms(query))];
  return docs.map((doc) => {
    const frequency = new Map<string, number>();
    for (const term of doc) frequency.set(term, (frequency.get(term) ?? 0) + 1);
    let score = 0;
    for (const term of queryTerms) {
      const tf = frequency.get(term);
      if (tf === undefined) continue;
      const df = documentFrequency.get(term)!;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      score += (idf * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * doc.length) / averageLength));
    }
    return score;
  });
}

/**
 * The snippets to put in the device context for `query`: ranked by BM25,
 * ties and non-matching snippets by recency (later first), taken greedily
 * while they fit `budgetTokens`; returned in history order.
 */
export async function retrieveHistory(
  query: string,
  history: readonly string[],
  options: RetrievalOptions,
): Promise<RetrievedSnippet[]> {
  if (!(options.budgetTokens >= 0)) {
    throw new RangeError(`budgetTokens is ${options.budgetTokens}; expected a number ≥ 0`);
  }
  const scores = bm25Scores(query, history, options.k1, options.b);
  const order = history.map((_, index) => index).sort((a, b) => scores[b]! - scores[a]! || b - a);
  const chosen: RetrievedSnippet[] = [];
  let left = options.budgetTokens;
  for (const index of order) {
    const text = history[index]!;
    const tokens = await options.countTokens(text);
    if (tokens > left) continue;
    left -= tokens;
    chosen.push({ index, text, score: scores[index]!, tokens });
  }
  return chosen.sort((a, b) => a.index - b.index);
}
