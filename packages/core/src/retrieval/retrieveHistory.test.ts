import { describe, expect, it } from 'vitest';
import { bm25Scores, retrievalTerms, retrieveHistory } from './retrieveHistory.ts';

const words = (text: string) => text.split(/\s+/).length;

describe('history retrieval', () => {
  it('splits text into lower-case terms of any script and drops stop words', () => {
    expect(retrievalTerms('The Language of BRYDOUND is Kluquem, café 東京')).toEqual([
      'language',
      'brydound',
      'kluquem',
      'café',
      '東京',
    ]);
  });

  it('ranks the snippet that shares the rare term above ones that share only common terms', () => {
    const scores = bm25Scores('note about Brydound weather', [
      'team note about lunch',
      'the weather in Brydound was grim',
      'team note about the weather',
    ]);
    expect(scores[1]).toBeGreaterThan(scores[0]!);
    expect(scores[1]).toBeGreaterThan(scores[2]!);
    expect(scores[0]).toBeGreaterThan(0);
  });

  it('scores zero for a snippet without a shared term and nothing for an empty history', () => {
    expect(bm25Scores('Brydound', ['Mochi ate my sock'])).toEqual([0]);
    expect(bm25Scores('Brydound', [])).toEqual([]);
  });

  it('takes the best snippets that fit the budget and returns them in history order', async () => {
    const history = [
      'hey crew mochi ate my sock again', // 7 words, no match
      'the language of Brydound is hard to learn', // match
      'lunch at noon onward', // 4 words, no match, most recent
      'Brydound trip notes and language tips', // match
    ];
    const picked = await retrieveHistory('language of Brydound', history, {
      budgetTokens: 8 + 6 + 4,
      countTokens: words,
    });
    expect(picked.map((s) => s.index)).toEqual([1, 2, 3]);
    expect(picked.reduce((sum, s) => sum + s.tokens, 0)).toBeLessThanOrEqual(18);
    expect(picked.find((s) => s.index === 2)!.score).toBe(0);
  });

  it('fills the budget with the most recent snippets when nothing matches', async () => {
    const picked = await retrieveHistory('zzz', ['one two', 'three four', 'five six'], {
      budgetTokens: 4,
      countTokens: words,
    });
    expect(picked.map((s) => s.text)).toEqual(['three four', 'five six']);
  });

  it('skips a snippet larger than the budget rather than truncating it', async () => {
    const picked = await retrieveHistory('alpha', ['alpha '.repeat(50), 'beta'], {
      budgetTokens: 10,
      countTokens: async (text) => words(text.trim()),
    });
    expect(picked.map((s) => s.index)).toEqual([1]);
  });

  it('refuses a negative budget', async () => {
    await expect(
      retrieveHistory('a', ['a'], { budgetTokens: -1, countTokens: words }),
    ).rejects.toThrow(/budgetTokens/);
  });
});
