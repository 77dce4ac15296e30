// draftCorrections (docs/design.md "Verify"): the server's whole step — one
// correction per draft position plus the bonus, the draft token's exact value,
// tail samples from the public stream in position order, coded errors.

import { describe, expect, it } from 'vitest';
import { draftCorrections } from './verify.ts';
import type { PositionScore } from './types.ts';
import { scoreOf } from './testing/explicit-scores.ts';

const V = 5;
const p = [0.4, 0.3, 0.15, 0.1, 0.05];

function scored(draft: number[], topK = 2) {
  return { draft, target: [...draft, null].map((y) => scoreOf(p, y, topK)), topK, vocabSize: V };
}

function countingUniform(values: number[]) {
  const calls = { count: 0 };
  return { calls, uniform: () => values[calls.count++] ?? 0.5 };
}

describe('draftCorrections', () => {
  it('with k = 0 gives one correction, at position 1 (token-level fusion)', () => {
    const corrections = draftCorrections(scored([]), null);
    expect(corrections).toHaveLength(1);
    expect(corrections[0]!.ids).toEqual([0, 1]);
  });

  it('gives k+1 corrections, each with its draft token appended when outside the top-K', () => {
    const corrections = draftCorrections(scored([1, 4, 0]), null);
    expect(corrections.map((c) => c.ids)).toEqual([
      [0, 1],
      [0, 1, 4],
      [0, 1],
      [0, 1],
    ]);
    expect(corrections.map((c) => c.top)).toEqual([2, 2, 2, 2]);
    expect(Math.exp(corrections[1]!.logprobs[2]!)).toBeCloseTo(0.05, 12);
    expect(Math.exp(corrections[1]!.tail!)).toBeCloseTo(0.25, 12);
  });

  it('draws one tail sample per position from the public stream, in order; none in greedy mode', () => {
    const { calls, uniform } = countingUniform([0, 0.99, 0.5]);
    const corrections = draftCorrections(scored([4, 2]), uniform);
    expect(calls.count).toBe(3);
    // Outside {0, 1, 4}: 2 (0.15) and 3 (0.1); u = 0 → 2. Outside {0, 1, 2}: u = 0.99 → 4; outside {0, 1}: u = 0.5 → 3.
    expect(corrections.map((c) => c.tailSample)).toEqual([2, 4, 3]);
    expect(draftCorrections(scored([4, 2]), null).every((c) => c.tailSample === undefined)).toBe(
      true,
    );
  });

  it('sends no tail when the top-K covers the vocabulary', () => {
    const [c] = draftCorrections(scored([], V), () => 0.5);
    expect(c!.tail).toBeNull();
    expect(c!.tailSample).toBeUndefined();
  });

  it('refuses malformed input with a coded error naming the field', () => {
    const good = scored([0, 1]);
    const top = (ids: number[], logprobs: number[]): PositionScore => ({
      top: { ids, logprobs },
      tokenLogprob: null,
    });
    const cases: Array<[object, string, RegExp]> = [
      [{ target: good.target.slice(1) }, 'invalid_scores', /target must score/],
      [{ draft: [0, 7] }, 'invalid_draft', /draft\[1\]/],
      [{ topK: 0 }, 'invalid_sampling', /topK/],
      [{ vocabSize: 0 }, 'invalid_scores', /vocabSize/],
      [
        {
          target: [good.target[0]!, { ...good.target[1]!, tokenLogprob: null }, good.target[2]!],
          draft: [0, 3],
        },
        'invalid_scores',
        /tokenLogprob/,
      ],
      [{ target: [top([0, 0], [-1, -1]), ...good.target.slice(1)] }, 'invalid_scores', /repeats/],
      [
        { target: [top([0], [Number.NaN]), ...good.target.slice(1)] },
        'invalid_scores',
        /logprobs\[0\]/,
      ],
      [{ target: [top([0], [0.5]), ...good.target.slice(1)] }, 'invalid_scores', /log-probability/],
    ];
    for (const [patch, code, message] of cases) {
      expect(() => draftCorrections({ ...good, ...patch }, null), String(message)).toThrow(
        expect.objectContaining({ code, message: expect.stringMatching(message) }),
      );
    }
    expect(() => draftCorrections(scored([0], 1), () => 1)).toThrow(
      expect.objectContaining({ code: 'invalid_sampling' }),
    );
  });
});
