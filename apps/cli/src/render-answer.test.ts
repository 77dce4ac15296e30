import { describe, expect, it } from 'vitest';
import { renderAnswer, renderLegend } from './render-answer.ts';

// A toy detokenizer: token t is the letter 'a' + t; token 9 is the hidden stop token.
const detokenize = (tokens: readonly number[]) =>
  tokens.map((t) => String.fromCharCode(97 + t)).join('');

describe('renderAnswer', () => {
  it('marks corrected tokens with [ ] and steered ones with { } when there is no colour', () => {
    const text = renderAnswer(
      [0, 1, 2, 3, 4, 9],
      ['accepted', 'accepted', 'corrected', 'steered', 'accepted', 'corrected'],
      detokenize,
      { color: false, hidden: new Set([9]) },
    );
    expect(text).toBe('ab[c]{d}e');
  });

  it('colours runs with ANSI codes on a terminal and resets after each', () => {
    const text = renderAnswer([0, 1], ['accepted', 'steered'], detokenize, { color: true });
    expect(text).toBe('\x1b[32ma\x1b[0m\x1b[35;4mb\x1b[0m');
  });

  it('keeps a character that spans several tokens whole', () => {
    // Two tokens that only together decode to one character.
    const bytes = (tokens: readonly number[]) => (tokens.length < 2 ? '' : 'é');
    expect(renderAnswer([5, 6], ['accepted', 'corrected'], bytes, { color: false })).toBe('[é]');
  });

  it('explains every marker in the legend', () => {
    expect(renderLegend(false)).toContain('[corrected]');
    expect(renderLegend(false)).toContain('{steered}');
  });
});
