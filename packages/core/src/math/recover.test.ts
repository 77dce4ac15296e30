// The device's decisions (docs/design.md "Recover"): the residual after a
// rejection, π for the bonus, the acceptance test of sampledCommit, what
// private knowledge can reach, and coded errors.

import { describe, expect, it } from 'vitest';
import { recoverToken, recoveryDistribution, sampledCommit } from './recover.ts';
import { buildCorrection } from './correction.ts';
import { fusionTarget } from './fusion.ts';
import { totalVariation } from './emitted.ts';
import { createRng } from '../rng.ts';
import type { SamplingParams } from './types.ts';
import { scoreOf } from './testing/explicit-scores.ts';

const V = 4;
const sampling: Omit<SamplingParams, 'topK'> = { temperature: 1, alpha: 1 };
const p = [0.4, 0.3, 0.2, 0.1];
const s = Float64Array.from([0.1, 0.2, 0.3, 0.4]);
const q = Float64Array.from([0.05, 0.15, 0.3, 0.5]);

const correctionFor = (token: number | null, topK = V) =>
  buildCorrection(scoreOf(p, token, topK), token, topK, V, null);

describe('recoveryDistribution and recoverToken (sampled mode)', () => {
  it('is π for the bonus token', () => {
    const law = recoveryDistribution({
      correction: correctionFor(null),
      q,
      s,
      rejectedToken: null,
      sampling,
    });
    expect(totalVariation(law, fusionTarget(p, q, s, 1))).toBeLessThan(1e-12);
  });

  it('is R ∝ max(0, π − q·min(1, π/q)) = max(0, π − q) after a rejection, with the whole vocabulary', () => {
    const pi = fusionTarget(p, q, s, 1);
    const r = Array.from(pi, (v, y) => Math.max(0, v - q[y]!));
    const total = r.reduce((a, b) => a + b);
    const law = recoveryDistribution({
      correction: correctionFor(3),
      q,
      s,
      rejectedToken: 3,
      sampling,
    });
    r.forEach((v, y) => expect(law[y]).toBeCloseTo(v / total, 12));
  });

  it('can recover a token the cloud did not report when the private q favours it (K = 1)', () => {
    const favoured = Float64Array.from([0.01, 0.01, 0.01, 0.97]);
    const law = recoveryDistribution({
      correction: correctionFor(null, 1),
      q: favoured,
      s,
      rejectedToken: null,
      sampling,
    });
    expect(law[3]).toBeGreaterThan(0.5);
  });

  it('draws one u and inverts the law at it, reproducibly', () => {
    const input = { correction: correctionFor(null), q, s, rejectedToken: null, sampling };
    const rng = createRng(5);
    const draws = Array.from({ length: 20 }, () =>
      recoverToken({ ...input, uniform: () => rng.uniform() }),
    );
    const again = createRng(5);
    expect(
      Array.from({ length: 20 }, () => recoverToken({ ...input, uniform: () => again.uniform() })),
    ).toEqual(draws);
  });

  it('refuses bad input with a coded error', () => {
    const good = { correction: correctionFor(3), q, s, rejectedToken: 3, sampling };
    expect(() =>
      recoveryDistribution({ ...good, q: Float64Array.from([0.5, 0.5, 0.5, 0.5]) }),
    ).toThrow(expect.objectContaining({ code: 'invalid_distribution' }));
    expect(() =>
      recoveryDistribution({ ...good, correction: correctionFor(null, 1), rejectedToken: 2 }),
    ).toThrow(expect.objectContaining({ code: 'invalid_correction' }));
    expect(() =>
      recoveryDistribution({ ...good, sampling: { ...sampling, temperature: 0 } }),
    ).toThrow(expect.objectContaining({ code: 'invalid_sampling' }));
  });
});

describe('sampledCommit', () => {
  const position = (token: number | null, topK = V) => ({
    correction: correctionFor(token, topK),
    q,
    s,
  });

  it('keeps a draft token when u < min(1, π/q), and draws the bonus from π after a full draft', () => {
    const pi = fusionTarget(p, q, s, 1);
    const a0 = Math.min(1, pi[0]! / q[0]!);
    const draws = [a0 / 2, 0.1];
    const commit = sampledCommit([0], [position(0), position(null)], sampling, () =>
      draws.shift()!,
    );
    expect(commit.agreed).toBe(1);
    expect(commit.tokens[0]).toBe(0);
    expect(commit.tokens).toHaveLength(2);
    expect(commit.lastUniform).toBe(0.1);
  });

  it('rejects at the first u ≥ a and commits one recovered token there', () => {
    const pi = fusionTarget(p, q, s, 1);
    const a3 = Math.min(1, pi[3]! / q[3]!);
    expect(a3).toBeLessThan(1);
    const draws = [a3 + (1 - a3) / 2, 0.3];
    const commit = sampledCommit([3, 0], [position(3), position(0), position(null)], sampling, () =>
      draws.shift()!,
    );
    expect(commit.agreed).toBe(0);
    expect(commit.tokens).toHaveLength(1);
  });

  it('always rejects a draft outside the target top-K (the device cannot know p there)', () => {
    const draws = [0, 0.5];
    const commit = sampledCommit([3], [position(3, 1), position(null, 1)], sampling, () =>
      draws.shift()!,
    );
    expect(commit.agreed).toBe(0);
  });

  it('needs one correction per draft token plus the bonus', () => {
    expect(() => sampledCommit([0, 1], [position(0)], sampling, () => 0.5)).toThrow(
      expect.objectContaining({ code: 'invalid_correction' }),
    );
  });
});
