// The device's step of docs/design.md §2 "Recover": after a rejection, sample the
// steering residual R ∝ max(0, π − q·a); after full acceptance, sample the
// bonus token from π. Only the device runs this: it needs the private q.

import type { Distribution, RecoverTokenInput, TokenId } from './types.ts';
import { argmax, sampleCategorical } from './categorical.ts';
import { expandCorrection } from './correction.ts';
import { MathInputError } from './errors.ts';
import { fuse, fusionTarget } from './fusion.ts';
import { steeringResidualFromScores } from './residual.ts';
import { temperDistribution } from './temperature.ts';
import { assertSampling, assertWeights } from './validate.ts';

export type RecoveryInput = Omit<RecoverTokenInput, 'uniform'>;

function assertRecoveryInput(input: RecoveryInput): void {
  assertSampling(input.sampling);
  if (input.q.length < 1)
    throw new MathInputError('invalid_distribution', 'q must cover the vocabulary');
  assertWeights(input.q, 'q', true);
  const { rejectedToken, correction } = input;
  if (rejectedToken !== null && !correction.ids.includes(rejectedToken)) {
    throw new MathInputError(
      'invalid_correction',
      `the rejected token ${rejectedToken} must be on the correction's support (the server always scores it)`,
    );
  }
}

/**
 * The distribution sampled mode recovers from, over the whole vocabulary:
 * R after a rejection, π for the bonus token. p̂ and ŝ come from the
 * correction (exact on the support at K = vocabulary size, estimated outside);
 * q is tempered exactly here, p̂ and ŝ were tempered by the server.
 */
export function recoveryDistribution(input: RecoveryInput): Distribution {
  assertRecoveryInput(input);
  return recoveryDistributionUnchecked(input);
}

function recoveryDistributionUnchecked(input: RecoveryInput): Distribution {
  const { correction, sampling, rejectedToken } = input;
  if (sampling.temperature === 0) {
    throw new MathInputError(
      'invalid_sampling',
      'greedy mode (temperature 0) recovers by argmax, not by sampling',
    );
  }
  const q =
    sampling.temperature === 1 ? input.q : temperDistribution(input.q, sampling.temperature);
  const { p, s } = expandCorrection(correction, q, rejectedToken);
  const pi = fuse(p, q, s, sampling.alpha);
  if (rejectedToken === null) return pi;
  return steeringResidualFromScores(pi, q, p, s, sampling.leniency);
}

/**
 * Greedy mode: argmax π over the correction's support, on untempered values.
 * A tie never goes to the rejected token, then goes to the lowest id; the rejected
 * token is still returned when it alone maximizes π — that is the rule.
 */
function greedyRecovery(input: RecoveryInput): TokenId {
  const { p, s, support } = expandCorrection(input.correction, input.q, input.rejectedToken);
  const pick = (values: ArrayLike<number>): number[] => support.map((id) => values[id]!);
  const pi = fusionTarget(pick(p), pick(input.q), pick(s), input.sampling.alpha);
  const avoid = input.rejectedToken === null ? null : support.indexOf(input.rejectedToken);
  const order = support.map((_, j) => j).sort((x, y) => support[x]! - support[y]!);
  return support[argmax(pi, order, avoid)]!;
}

/** The token the device commits at the correction position (recovery or bonus). */
export function recoverToken(input: RecoverTokenInput): TokenId {
  assertRecoveryInput(input);
  if (input.sampling.temperature === 0) return greedyRecovery(input);
  return sampleCategorical(recoveryDistributionUnchecked(input), input.uniform());
}
