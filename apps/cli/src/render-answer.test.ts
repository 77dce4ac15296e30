import { describe, expect, it } from 'vitest';
import { AnswerStream, renderAnswer, renderLegend } from './render-answer.ts';

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

describe('AnswerStream', () => {
  it('writes each token as it is committed, and the pieces add up to the whole answer', () => {
    const tokens = [0, 1, 2, 3, 4, 5, 9];
    const origins = [
      'accepted',
      'corrected',
      'corrected',
      'steered',
      'accepted',
      'accepted',
      'corrected',
    ] as const;
    const writes: string[] = [];
    const stream = new AnswerStream(detokenize, { color: false, hidden: new Set([9]) }, (text) =>
      writes.push(text),
    );
    const seen: number[] = [];
    tokens.forEach((token, i) => {
      stream.push(token, origins[i]!);
      seen.push(writes.length);
    });
    stream.end();
    // Something is written for every visible token before the next one arrives.
    expect(seen.slice(0, 6)).toEqual([...seen.slice(0, 6)].sort((a, b) => a - b));
    expect(new Set(seen.slice(0, 6)).size).toBe(6);
    expect(writes.join('')).toBe(
      renderAnswer(tokens, [...origins], detokenize, { color: false, hidden: new Set([9]) }),
    );
    expect(writes.join('')).toBe('a[bc]{d}ef');
  });
});
