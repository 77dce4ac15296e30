// How the device picks each draft token (docs/design.md §2 "Draft"), so that the
// drafter's choice and recoverToken temper q the same way.

import type { Distribution, TokenId } from './types.ts';
import { argmax, sampleCategorical } from './categorical.ts';
import { MathInputError } from './errors.ts';
import { temperDistribution } from './temperature.ts';

/** Greedy (temperature 0): argmax q, lowest id on ties; otherwise a sample of q^(1/T). */
export function chooseDraftToken(
  q: Distribution,
  temperature: number,
  uniform: () => number,
): TokenId {
  if (!Number.isFinite(temperature) || temperature < 0) {
    throw new MathInputError(
      'invalid_sampling',
      `temperature must be finite and ≥ 0, got ${temperature}`,
    );
  }
  if (temperature === 0) return argmax(q);
  return sampleCategorical(temperature === 1 ? q : temperDistribution(q, temperature), uniform());
}
