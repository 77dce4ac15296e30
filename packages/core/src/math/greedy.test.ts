// docs/design.md "Greedy (temperature 0)": the device drafts argmax q, the
// server sends a correction per position, the device keeps y_i while
// y_i = argmax π_i and then takes argmax π — greedy decoding of π, exactly,
// with no randomness and as many tokens per round as draft and π agree on.

import { describe, expect, it } from 'vitest';
import { greedyCommit } from './recover.ts';
import { chooseDraftToken } from './draft.ts';
import { fusionTarget } from './fusion.ts';
import { argmax } from './categorical.ts';
import { buildCorrection } from './correction.ts';
import type { TokenId } from './types.ts';
import { randomTableModel, scoreOf, type TableModel } from './testing/explicit-scores.ts';
import { greedyRound } from './testing/enumerate-round.ts';

const noRandomness = (): number => {
  throw new Error('greedy mode must not draw randomness');
};

type Models = { target: TableModel; reference: TableModel; draft: TableModel };

function greedyRun(models: Models, k: number, topK: number, vocabSize: number, length: number) {
  const output: TokenId[] = [];
  let rounds = 0;
  while (output.length < length) {
    const draft: TokenId[] = [];
    for (let i = 0; i < k; i++)
      draft.push(chooseDraftToken(models.draft([...output, ...draft]), 0, noRandomness));
    const shifted: Models = {
      target: (c) => models.target([...output, ...c]),
      reference: (c) => models.reference([...output, ...c]),
      draft: (c) => models.draft([...output, ...c]),
    };
    output.push(...greedyRound(shifted, draft, topK, 1, vocabSize).tokens);
    rounds++;
  }
  return { output: output.slice(0, length), rounds };
}

/** Greedy decoding of π itself, from full distributions. */
function exactGreedy(models: Models, length: number): TokenId[] {
  const output: TokenId[] = [];
  while (output.length < length) {
    output.push(
      argmax(
        fusionTarget(models.target(output), models.draft(output), models.reference(output), 1),
      ),
    );
  }
  return output;
}

describe('greedy mode (temperature 0)', () => {
  const V = 6;
  const models: Models = {
    target: randomTableModel(21, V),
    reference: randomTableModel(22, V),
    draft: randomTableModel(23, V),
  };

  it('emits exactly greedy π, for every k, with the whole vocabulary in the correction', () => {
    const exact = exactGreedy(models, 12);
    for (const k of [0, 1, 3, 8]) expect(greedyRun(models, k, V, V, 12).output).toEqual(exact);
  });

  it('takes fewer round trips with a longer draft when the draft agrees with π', () => {
    // q = p = s: every draft token is argmax π, so a round commits k + 1 tokens.
    const agreeing: Models = {
      target: models.target,
      reference: models.target,
      draft: models.target,
    };
    const rounds = [1, 4, 8].map((k) => greedyRun(agreeing, k, 3, V, 18).rounds);
    expect(rounds).toEqual([9, 4, 2]);
  });

  it('keeps the agreeing prefix and commits argmax π at the first disagreement', () => {
    const q = Float64Array.from([0.1, 0.6, 0.1, 0.1, 0.05, 0.05]);
    const s = Float64Array.from([0.2, 0.3, 0.2, 0.1, 0.1, 0.1]);
    const agree = buildCorrection(scoreOf([0.1, 0.5, 0.2, 0.1, 0.05, 0.05], 1, V), 1, V, V, null);
    // At position 2, π ∝ p·q/s puts most on token 2 although the draft says 1.
    const disagree = buildCorrection(
      scoreOf([0.05, 0.1, 0.7, 0.05, 0.05, 0.05], 1, V),
      1,
      V,
      V,
      null,
    );
    const bonus = buildCorrection(
      scoreOf([1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6, 1 / 6], null, V),
      null,
      V,
      V,
      null,
    );
    const position = (correction: typeof agree) => ({ correction, q, s });
    const commit = greedyCommit([1, 1], [position(agree), position(disagree), position(bonus)], 1);
    expect(commit).toEqual({ tokens: [1, 2], agreed: 1 });
  });

  it('breaks ties in π toward the lowest id, deterministically', () => {
    const flat = Float64Array.from([0.25, 0.25, 0.25, 0.25]);
    const c = buildCorrection(scoreOf(flat, 3, 4), 3, 4, 4, null);
    expect(
      greedyCommit(
        [3],
        [
          { correction: c, q: flat, s: flat },
          { correction: c, q: flat, s: flat },
        ],
        1,
      ),
    ).toEqual({
      tokens: [0],
      agreed: 0,
    });
  });
});
