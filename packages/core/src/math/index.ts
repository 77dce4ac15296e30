// The Draft–Verify–Recover math of docs/design.md §2: pure functions over explicit
// distributions, shared by the device (recover) and the server (verify).

export type {
  Correction,
  RecoverTokenInput,
  SamplingParams,
  Verdict,
  VerifyDraftInput,
} from './types.ts';
export { MathInputError, type MathErrorCode } from './errors.ts';
export { fusionTarget, likelihoodRatio } from './fusion.ts';
export { acceptProbability, ratioTestGreedy, ratioTestSampled } from './acceptance.ts';
export { steeringResidual } from './residual.ts';
export { argmax, sampleCategorical } from './categorical.ts';
export { temperDistribution, temperPartial } from './temperature.ts';
export { knownProbability, partialFromScore, type PartialDistribution } from './partial.ts';
export { buildCorrection, expandCorrection, type ExpandedCorrection } from './correction.ts';
export {
  acceptanceProbabilities,
  correctionAt,
  rejectedToken,
  verifyDraft,
  type ScoredDraft,
} from './verify.ts';
export { recoverToken, recoveryDistribution, type RecoveryInput } from './recover.ts';
export { chooseDraftToken } from './draft.ts';
export { emittedDistribution, totalVariation } from './emitted.ts';
