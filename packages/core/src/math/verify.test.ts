// verifyDraft's edge cases (docs/design.md §2 "Verify"): empty drafts, rejection at
// the first token, full acceptance, zeros in s, empty tails, bad input.

import { describe, expect, it } from 'vitest';
import { acceptanceProbabilities, correctionAt, rejectedToken, verifyDraft } from './verify.ts';
import type { PositionScore, SamplingParams } from './types.ts';
import { scoreOf } from './testing/explicit-scores.ts';

const V = 4;
const sampling: SamplingParams = { temperature: 1, alpha: 1, leniency: 1, tau: 1, topK: V };
const p = [0.4, 0.3, 0.2, 0.1];
const s = [0.25, 0.25, 0.25, 0.25];

/** The same p and s at every position: enough for the ratio test, which is per position. */
function scored(draft: number[], target = p, reference = s, topK = V) {
  return {
    draft,
    target: [...draft, null].map((y) => scoreOf(target, y, topK)),
    reference: [...draft, null].map((y) => scoreOf(reference, y, topK)),
    sampling: { ...sampling, topK },
    vocabSize: V,
  };
}

function countingUniform(values: number[]) {
  const calls = { count: 0 };
  return { calls, uniform: () => values[calls.count++] ?? 0.5 };
}

describe('verifyDraft', () => {
  it('with k = 0 accepts nothing, draws no u, and returns the correction at position 1 (token-level fusion)', () => {
    const { calls, uniform } = countingUniform([]);
    const verdict = verifyDraft({ ...scored([]), uniform });
    expect(verdict.accepted).toBe(0);
    expect(calls.count).toBe(0);
    expect(verdict.correction.ids).toEqual([0, 1, 2, 3]);
    expect(rejectedToken([], verdict)).toBeNull();
  });

  it('rejects at position 1 a token the cloud gives no mass, whatever u is', () => {
    const zeroAt3 = [0.4, 0.3, 0.3, 0];
    const verdict = verifyDraft({ ...scored([3, 0, 0], zeroAt3), uniform: () => 0 });
    expect(verdict.accepted).toBe(0);
    expect(rejectedToken([3, 0, 0], verdict)).toBe(3);
    // The rejected token is on the support; a zero probability travels as null.
    expect(verdict.correction.ids).toContain(3);
    expect(verdict.correction.targetLogprobs[verdict.correction.ids.indexOf(3)]).toBeNull();
  });

  it('accepts every token with p ≥ s·c whatever u is, and gives the correction at k+1', () => {
    const { calls, uniform } = countingUniform([0.999, 0.999, 0.999]);
    const verdict = verifyDraft({ ...scored([0, 1, 0]), uniform });
    expect(verdict.accepted).toBe(3);
    expect(calls.count).toBe(3);
    expect(rejectedToken([0, 1, 0], verdict)).toBeNull();
  });

  it('draws one u per tested token and stops at the first u ≥ a', () => {
    // a = min(1, p/s): 1 for token 0, 0.8 for token 2.
    const { calls, uniform } = countingUniform([0.1, 0.79, 0.81, 0.0]);
    const verdict = verifyDraft({ ...scored([0, 2, 2, 0]), uniform });
    expect(acceptanceProbabilities(scored([0, 2, 2, 0]))).toEqual(
      [1, 0.8, 0.8, 1].map((a) => expect.closeTo(a, 12)),
    );
    expect(verdict.accepted).toBe(2);
    expect(calls.count).toBe(3);
    expect(verdict.correction).toEqual(correctionAt(scored([0, 2, 2, 0]), 2));
  });

  it('always accepts a token the reference rules out (s = 0 < p)', () => {
    const verdict = verifyDraft({ ...scored([3], p, [0.5, 0.25, 0.25, 0]), uniform: () => 0.999 });
    expect(verdict.accepted).toBe(1);
  });

  it('sends null tails when the top-K covers the vocabulary, and real tails below it', () => {
    expect(verifyDraft({ ...scored([]), uniform: () => 0 }).correction.targetTail).toBeNull();
    const truncated = verifyDraft({ ...scored([], p, s, 2), uniform: () => 0 }).correction;
    expect(Math.exp(truncated.targetTail!)).toBeCloseTo(0.3, 12);
  });

  it('uses only the first topK entries of a longer top list', () => {
    const c = verifyDraft({
      ...scored([], p, p, 4),
      sampling: { ...sampling, topK: 1 },
      uniform: () => 0,
    }).correction;
    expect(c.ids).toEqual([0]);
  });

  it('refuses malformed input with a coded error naming the field', () => {
    const good = { ...scored([0, 1]), uniform: () => 0.5 };
    const top = (ids: number[], logprobs: number[]): PositionScore => ({
      top: { ids, logprobs },
      tokenLogprob: null,
    });
    const cases: Array<[object, string, RegExp]> = [
      [{ target: good.target.slice(1) }, 'invalid_scores', /target must score/],
      [{ draft: [0, 7] }, 'invalid_draft', /draft\[1\]/],
      [{ sampling: { ...sampling, leniency: 0 } }, 'invalid_sampling', /leniency/],
      [{ sampling: { ...sampling, topK: 0 } }, 'invalid_sampling', /topK/],
      [{ sampling: { ...sampling, temperature: -1 } }, 'invalid_sampling', /temperature/],
      [{ vocabSize: 0 }, 'invalid_scores', /vocabSize/],
      [
        {
          target: [good.target[0]!, { ...good.target[1]!, tokenLogprob: null }, good.target[2]!],
          draft: [0, 3],
          sampling: { ...sampling, topK: 1 },
        },
        'invalid_scores',
        /tokenLogprob/,
      ],
      [
        { reference: [top([0, 0], [-1, -1]), ...good.reference.slice(1)] },
        'invalid_scores',
        /repeats/,
      ],
      [
        { reference: [top([0], [Number.NaN]), ...good.reference.slice(1)] },
        'invalid_scores',
        /logprobs\[0\]/,
      ],
      [
        { reference: [top([0], [0.5]), ...good.reference.slice(1)] },
        'invalid_scores',
        /log-probability/,
      ],
      [{ uniform: () => 1 }, 'invalid_sampling', /uniform/],
    ];
    for (const [patch, code, message] of cases) {
      expect(() => verifyDraft({ ...good, ...patch }), String(message)).toThrow(
        expect.objectContaining({ code, message: expect.stringMatching(message) }),
      );
    }
  });
});
