// recoverToken (docs/design.md §2 "Recover"): the steering residual after a
// rejection, π for the bonus token, and what private knowledge can reach.

import { describe, expect, it } from 'vitest';
import { recoverToken, recoveryDistribution } from './recover.ts';
import { correctionAt } from './verify.ts';
import { fusionTarget } from './fusion.ts';
import { steeringResidual } from './residual.ts';
import { acceptProbability } from './acceptance.ts';
import { totalVariation } from './emitted.ts';
import { createRng } from '../rng.ts';
import type { SamplingParams } from './types.ts';
import { scoreOf } from './testing/explicit-scores.ts';

const V = 4;
const sampling: SamplingParams = { temperature: 1, alpha: 1, leniency: 1, tau: 1, topK: V };
const p = [0.4, 0.3, 0.2, 0.1];
const s = [0.1, 0.2, 0.3, 0.4];
const q = Float64Array.from([0.05, 0.15, 0.3, 0.5]);

function correctionFor(rejected: number | null, topK = V) {
  const draft = rejected === null ? [] : [rejected];
  return correctionAt(
    {
      draft,
      target: [...draft, null].map((y) => scoreOf(p, y, topK)),
      reference: [...draft, null].map((y) => scoreOf(s, y, topK)),
      sampling: { ...sampling, topK },
      vocabSize: V,
    },
    0,
  );
}

describe('recoverToken in sampled mode', () => {
  it('samples the bonus token from π when the whole draft was accepted', () => {
    const dist = recoveryDistribution({
      correction: correctionFor(null),
      q,
      rejectedToken: null,
      sampling,
    });
    expect(totalVariation(dist, fusionTarget(p, q, s, 1))).toBeLessThan(1e-15);
  });

  it('samples the steering residual R ∝ max(0, π − q·a) after a rejection', () => {
    const dist = recoveryDistribution({
      correction: correctionFor(3),
      q,
      rejectedToken: 3,
      sampling,
    });
    const a = p.map((py, y) => acceptProbability(py, s[y]!, 1));
    expect(totalVariation(dist, steeringResidual(fusionTarget(p, q, s, 1), q, a))).toBeLessThan(
      1e-15,
    );
  });

  it('draws one u and inverts the recovery distribution at it', () => {
    const input = { correction: correctionFor(3), q, rejectedToken: 3, sampling };
    const dist = recoveryDistribution(input);
    let calls = 0;
    const token = recoverToken({ ...input, uniform: () => (calls++, 0) });
    expect(calls).toBe(1);
    expect(token).toBe(dist.findIndex((v) => v > 0));
  });

  it('is reproducible from the stream it is given', () => {
    const input = { correction: correctionFor(2), q, rejectedToken: 2, sampling };
    const run = () => {
      const rng = createRng(77);
      return Array.from({ length: 50 }, () =>
        recoverToken({ ...input, uniform: () => rng.uniform() }),
      );
    };
    expect(run()).toEqual(run());
  });

  it('can recover a token the cloud did not report when the private q favours it (K = 1)', () => {
    const favoured = Float64Array.from([0.01, 0.01, 0.97, 0.01]);
    const correction = correctionFor(0, 1);
    expect(correction.ids).not.toContain(2);
    const dist = recoveryDistribution({
      correction,
      q: favoured,
      rejectedToken: 0,
      sampling: { ...sampling, topK: 1 },
    });
    expect(dist[2]).toBeGreaterThan(0.5);
  });

  it('refuses a q that is not a distribution, and a rejected token missing from the support', () => {
    const correction = correctionFor(3);
    expect(() =>
      recoverToken({
        correction,
        q: Float64Array.from([0.5, 0.5, 0.5, 0.5]),
        rejectedToken: 3,
        sampling,
        uniform: () => 0,
      }),
    ).toThrow(expect.objectContaining({ code: 'invalid_distribution' }));
    expect(() =>
      recoverToken({
        correction: correctionFor(null, 1),
        q,
        rejectedToken: 2,
        sampling,
        uniform: () => 0,
      }),
    ).toThrow(expect.objectContaining({ code: 'invalid_correction' }));
    expect(() =>
      recoveryDistribution({
        correction,
        q,
        rejectedToken: 3,
        sampling: { ...sampling, temperature: 0 },
      }),
    ).toThrow(expect.objectContaining({ code: 'invalid_sampling' }));
  });
});
