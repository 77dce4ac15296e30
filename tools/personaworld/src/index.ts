export {
  generatePersonaWorld,
  SCHEMA_VERSION,
  DEFAULTS,
  type GenerateOptions,
  type PersonaWorld,
} from './generate.ts';
export type { EvalTask, EvalFact } from './evalSplit.ts';
export type { Fact, Entity, EntityKind, World } from './world.ts';
export type { Profile } from './persona.ts';
export { MARKERS, historyBlocks, publicPrompt, devicePrompt, chatDocument } from './chat.ts';
export {
  factAccuracy,
  personaRecall,
  rougeL,
  requiredFacts,
  scoreAnswer,
  meanScores,
  factAccuracyByHalf,
  normalizeTokens,
  type TaskScore,
  type ScoreSummary,
} from './score.ts';
export { parseEvalTask } from './evalSchema.ts';
export {
  PersonaWorldError,
  PERSONAWORLD_ERROR_CODES,
  type PersonaWorldErrorCode,
} from './errors.ts';
