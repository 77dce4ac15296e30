// docs/design.md §2 "Greedy (temperature 0)": draft argmax q, accept y_i iff
// p/s ≥ τ, recover argmax π over the correction support — no randomness at all.

import { describe, expect, it } from 'vitest';
import { verifyDraft, rejectedToken } from './verify.ts';
import { recoverToken } from './recover.ts';
import { chooseDraftToken } from './draft.ts';
import { fusionTarget } from './fusion.ts';
import { argmax } from './categorical.ts';
import type { SamplingParams, TokenId } from './types.ts';
import {
  randomTableModel,
  scoreDraft,
  scoreOf,
  type TableModel,
} from './testing/explicit-scores.ts';

const noRandomness = (): number => {
  throw new Error('greedy mode must not draw randomness');
};

function greedyRun(
  models: { target: TableModel; reference: TableModel; draft: TableModel },
  sampling: SamplingParams,
  vocabSize: number,
  length: number,
) {
  const output: TokenId[] = [];
  const trace: Array<{ accepted: number; recovered: TokenId }> = [];
  while (output.length < length) {
    const draft: TokenId[] = [];
    for (let i = 0; i < 3; i++)
      draft.push(chooseDraftToken(models.draft([...output, ...draft]), 0, noRandomness));
    const verdict = verifyDraft({
      draft,
      target: scoreDraft(models.target, output, draft),
      reference: scoreDraft(models.reference, output, draft),
      sampling,
      vocabSize,
      uniform: noRandomness,
    });
    const committed = [...output, ...draft.slice(0, verdict.accepted)];
    const recovered = recoverToken({
      correction: verdict.correction,
      q: models.draft(committed),
      rejectedToken: rejectedToken(draft, verdict),
      sampling,
      uniform: noRandomness,
    });
    trace.push({ accepted: verdict.accepted, recovered });
    output.splice(0, output.length, ...committed, recovered);
  }
  return { output, trace };
}

describe('greedy mode (temperature 0)', () => {
  const V = 6;
  const sampling: SamplingParams = { temperature: 0, alpha: 1, leniency: 1, tau: 1, topK: V };
  const models = {
    target: randomTableModel(41, V),
    reference: randomTableModel(42, V),
    draft: randomTableModel(43, V),
  };

  it('is deterministic: the same tables give the same output without drawing any randomness', () => {
    expect(greedyRun(models, sampling, V, 30)).toEqual(greedyRun(models, sampling, V, 30));
  });

  it('matches the rule at every round: accept while p/s ≥ τ, then argmax π over the support', () => {
    for (const tau of [0.5, 1, 2]) {
      const { output, trace } = greedyRun(models, { ...sampling, tau }, V, 30);
      let position = 0;
      for (const { accepted, recovered } of trace) {
        const context = output.slice(0, position);
        // Replay: greedy drafts are argmax q; count how many pass p/s ≥ τ.
        const draft: TokenId[] = [];
        for (let i = 0; i < 3; i++) draft.push(argmax(models.draft([...context, ...draft])));
        let expectedAccepted = 0;
        while (expectedAccepted < 3) {
          const ctx = [...context, ...draft.slice(0, expectedAccepted)];
          const y = draft[expectedAccepted]!;
          if (models.target(ctx)[y]! / models.reference(ctx)[y]! < tau) break;
          expectedAccepted++;
        }
        expect(accepted).toBe(expectedAccepted);
        const at = [...context, ...draft.slice(0, accepted)];
        const pi = fusionTarget(models.target(at), models.draft(at), models.reference(at), 1);
        const rejected = accepted < 3 ? draft[accepted]! : null;
        expect(recovered).toBe(argmax(pi, undefined, rejected));
        position += accepted + 1;
      }
    }
  });

  it('never breaks a tie in π toward the rejected token', () => {
    // π ∝ p·q/s = [0.3375, 0.3375, 0.2]: tokens 0 and 1 tie at the top; token 0 is
    // drafted (argmax q, lowest id on its own tie) and rejected (p/s = 0.75 < τ = 1).
    const p = [0.3, 0.3, 0.4];
    const s = [0.4, 0.4, 0.2];
    const q = Float64Array.from([0.45, 0.45, 0.1]);
    const greedy = { ...sampling, topK: 3 };
    const verdict = verifyDraft({
      draft: [0],
      target: [scoreOf(p, 0), scoreOf(p, null)],
      reference: [scoreOf(s, 0), scoreOf(s, null)],
      sampling: greedy,
      vocabSize: 3,
      uniform: noRandomness,
    });
    expect(verdict.accepted).toBe(0);
    const pi = fusionTarget(p, q, s, 1);
    expect(pi[0]).toBe(pi[1]);
    expect(pi[0]).toBeGreaterThan(pi[2]!);
    expect(
      recoverToken({
        correction: verdict.correction,
        q,
        rejectedToken: 0,
        sampling: greedy,
        uniform: noRandomness,
      }),
    ).toBe(1);
  });
});
