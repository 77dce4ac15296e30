// The Draft–Verify–Recover math of docs/design.md: pure functions over
// explicit distributions, shared by the device (recover) and the server (verify).

export type { Correction, RecoverTokenInput, SamplingParams, ScoredDraft } from './types.ts';
export { MathInputError, type MathErrorCode } from './errors.ts';
export { fusionTarget, likelihoodRatio } from './fusion.ts';
export { argmax, sampleCategorical } from './categorical.ts';
export { temperDistribution, temperPartial } from './temperature.ts';
export { knownProbability, partialFromScore, type PartialDistribution } from './partial.ts';
export { buildCorrection, fuseCorrection, type FusedCorrection } from './correction.ts';
export { draftCorrections, type ServerCorrection } from './verify.ts';
export {
  greedyCommit,
  greedyToken,
  recoverToken,
  recoveryDistribution,
  sampledCommit,
  type RecoveryInput,
  type RoundCommit,
  type RoundPosition,
} from './recover.ts';
export { chooseDraftToken } from './draft.ts';
export { protocolLaw, totalVariation, type ProtocolLawInput } from './emitted.ts';
