// The device's step of docs/design.md "Recover": with the corrections of a
// round and its own q and s, decide which draft tokens stand and which token
// follows them. Sampled mode: speculative sampling against π̂ — accept y_i
// with min(1, π̂_i(y_i)/q_i(y_i)), else sample the residual
// R ∝ max(0, π̂ − q·a), or the bonus from π̂ when all stand. Greedy mode:
// the prefix with y_i = argmax π̂_i, then argmax π̂. Only the device runs
// this: it needs the private q.

import type {
  Correction,
  Distribution,
  RecoverTokenInput,
  SamplingParams,
  TokenId,
} from './types.ts';
import { argmax, sampleCategorical } from './categorical.ts';
import { fuseCorrection } from './correction.ts';
import { MathInputError } from './errors.ts';
import { temperDistribution } from './temperature.ts';
import { assertWeights } from './validate.ts';

export type RecoveryInput = Omit<RecoverTokenInput, 'uniform'>;

/** Below this the residual is rounding noise, not mass. */
const EMPTY_RESIDUAL = 1e-12;

const tempered = (d: Distribution, temperature: number): Distribution =>
  temperature === 1 ? d : temperDistribution(d, temperature);

function assertTemperature(temperature: number): void {
  if (!Number.isFinite(temperature) || temperature <= 0) {
    throw new MathInputError(
      'invalid_sampling',
      `sampled recovery needs a temperature > 0, got ${temperature} (greedy mode commits by argmax: greedyCommit)`,
    );
  }
}

function assertLaws(q: Distribution, s: Distribution): void {
  if (q.length < 1 || s.length !== q.length) {
    throw new MathInputError(
      'invalid_distribution',
      `q and s must cover the same vocabulary, got ${q.length} and ${s.length} entries`,
    );
  }
  assertWeights(q, 'q', true);
  assertWeights(s, 's', true);
}

/**
 * The law the device draws the token at a correction position from (sampled
 * mode): R after rejecting `rejectedToken`, π̂ for the bonus token. q and s
 * are tempered here, exactly; the correction's p came tempered from the server.
 */
export function recoveryDistribution(input: RecoveryInput): Distribution {
  assertTemperature(input.sampling.temperature);
  assertLaws(input.q, input.s);
  const { correction, rejectedToken } = input;
  if (rejectedToken !== null && !correction.ids.includes(rejectedToken)) {
    throw new MathInputError(
      'invalid_correction',
      `the rejected token ${rejectedToken} must be on the correction's support (the server always scores it)`,
    );
  }
  const { temperature, alpha } = input.sampling;
  const q = tempered(input.q, temperature);
  const { pi, acceptance } = fuseCorrection(correction, q, tempered(input.s, temperature), alpha);
  if (rejectedToken === null) return pi;
  return residual(pi, q, acceptance);
}

/** R ∝ max(0, π̂ − q·a), normalized; π̂ itself when that is empty (rounding only). */
export function residual(
  pi: Float64Array,
  q: Distribution,
  acceptance: (y: TokenId) => number,
): Float64Array {
  const r = new Float64Array(pi.length);
  let total = 0;
  for (let y = 0; y < pi.length; y++) {
    const v = pi[y]! - q[y]! * acceptance(y);
    if (v > 0) {
      r[y] = v;
      total += v;
    }
  }
  // Σ max(0, π̂ − q·a) = P(reject) > 0 whenever a rejection can happen; empty only through rounding.
  if (!(total > EMPTY_RESIDUAL)) return pi;
  for (let y = 0; y < r.length; y++) r[y] = r[y]! / total;
  return r;
}

/** Sampled mode: the token drawn at a correction position (recovery or bonus). */
export function recoverToken(input: RecoverTokenInput): TokenId {
  return sampleCategorical(recoveryDistribution(input), input.uniform());
}

/** One drafted position as the device sees it after the verdict. */
export interface RoundPosition {
  correction: Correction;
  /** q and s at this position, untempered. */
  q: Distribution;
  s: Distribution;
}

export interface RoundCommit {
  /** The tokens to commit: the draft tokens that stand, then one more (recovered, corrected or bonus). */
  tokens: TokenId[];
  /** How many of them are draft tokens. */
  agreed: number;
  /** Sampled mode: the uniform the last token was drawn with (to label it against α = 0). */
  lastUniform?: number;
}

function assertPositions(draft: readonly TokenId[], positions: readonly RoundPosition[]): void {
  if (positions.length !== draft.length + 1) {
    throw new MathInputError(
      'invalid_correction',
      `a round needs one correction per draft position plus the bonus (${draft.length + 1}), got ${positions.length}`,
    );
  }
}

/**
 * Sampled mode (docs/design.md "Recover"): speculative sampling of the draft
 * against π̂. Draws from `uniform` (the device's own stream): one per tested
 * draft token, then one for the last token. Exactly π̂ in law at every
 * position; π itself at K = vocabulary size; p when q = s.
 */
export function sampledCommit(
  draft: readonly TokenId[],
  positions: readonly RoundPosition[],
  sampling: Omit<SamplingParams, 'topK'>,
  uniform: () => number,
): RoundCommit {
  assertPositions(draft, positions);
  assertTemperature(sampling.temperature);
  const tokens: TokenId[] = [];
  for (let i = 0; i <= draft.length; i++) {
    const { correction, q: rawQ, s: rawS } = positions[i]!;
    assertLaws(rawQ, rawS);
    const q = tempered(rawQ, sampling.temperature);
    const { pi, acceptance } = fuseCorrection(
      correction,
      q,
      tempered(rawS, sampling.temperature),
      sampling.alpha,
    );
    if (i === draft.length) {
      const u = uniform();
      tokens.push(sampleCategorical(pi, u));
      return { tokens, agreed: i, lastUniform: u };
    }
    const y = draft[i]!;
    if (uniform() < acceptance(y)) {
      tokens.push(y);
      continue;
    }
    const u = uniform();
    tokens.push(sampleCategorical(residual(pi, q, acceptance), u));
    return { tokens, agreed: i, lastUniform: u };
  }
  /* c8 ignore next */
  throw new Error('unreachable');
}

/** argmax π̂ at one position (untempered q, s; lowest id on ties). */
export function greedyToken(
  correction: Correction,
  q: Distribution,
  s: Distribution,
  alpha: number,
): TokenId {
  return argmax(fuseCorrection(correction, q, s, alpha).pi);
}

/**
 * Greedy mode (docs/design.md "Greedy"): commit y_i while y_i = argmax π̂_i,
 * then argmax π̂ at the first position where they differ — or the bonus
 * argmax π̂_{k+1} when every draft token agreed. Exactly greedy decoding of
 * π̂, with as many tokens per round trip as the draft and π agree on.
 */
export function greedyCommit(
  draft: readonly TokenId[],
  positions: readonly RoundPosition[],
  alpha: number,
): RoundCommit {
  assertPositions(draft, positions);
  const tokens: TokenId[] = [];
  for (let i = 0; i <= draft.length; i++) {
    const { correction, q, s } = positions[i]!;
    assertLaws(q, s);
    const best = greedyToken(correction, q, s, alpha);
    tokens.push(best);
    if (i === draft.length || best !== draft[i]) return { tokens, agreed: i };
  }
  /* c8 ignore next */
  throw new Error('unreachable');
}
