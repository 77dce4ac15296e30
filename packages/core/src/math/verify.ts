// The server's step of docs/design.md §2 "Verify": the ratio test on each draft
// token up to the first rejection, and the correction at the position after
// the accepted prefix. It sees public data only: draft tokens and cloud scores.

import type {
  Correction,
  PositionScore,
  SamplingParams,
  TokenId,
  Verdict,
  VerifyDraftInput,
} from './types.ts';
import { acceptProbability, ratioTestGreedy, ratioTestSampled } from './acceptance.ts';
import { buildCorrection } from './correction.ts';
import { MathInputError } from './errors.ts';
import { knownProbability, partialFromScore, type PartialDistribution } from './partial.ts';
import { temperPartial } from './temperature.ts';
import { assertSampling, assertTokenId, assertVocabSize } from './validate.ts';

export type ScoredDraft = Omit<VerifyDraftInput, 'uniform'>;

const isGreedy = (sampling: SamplingParams): boolean => sampling.temperature === 0;

function assertScoredDraft(input: ScoredDraft): void {
  const { draft, target, reference, sampling, vocabSize } = input;
  assertVocabSize(vocabSize);
  assertSampling(sampling);
  draft.forEach((token, i) => assertTokenId(token, vocabSize, `draft[${i}]`));
  for (const [scores, name] of [
    [target, 'target'],
    [reference, 'reference'],
  ] as const) {
    if (scores.length !== draft.length + 1) {
      throw new MathInputError(
        'invalid_scores',
        `${name} must score draft.length + 1 = ${draft.length + 1} positions, got ${scores.length}`,
      );
    }
  }
}

/**
 * One model's view of position i (0-based): its top-K plus the token that
 * follows there (the draft token, when i < k), tempered unless T is 0 or 1.
 */
function positionView(
  scores: PositionScore[],
  input: ScoredDraft,
  i: number,
  name: string,
): PartialDistribution {
  const token = i < input.draft.length ? input.draft[i]! : null;
  const partial = partialFromScore(
    scores[i]!,
    token,
    input.sampling.topK,
    input.vocabSize,
    `${name}[${i}]`,
  );
  const { temperature } = input.sampling;
  return temperature === 0 || temperature === 1 ? partial : temperPartial(partial, temperature);
}

/** p_i(y_i) and s_i(y_i) of the draft token at position i, exact from tokenLogprob (tempered as above). */
function draftTokenScores(input: ScoredDraft, i: number): { pTok: number; sTok: number } {
  const token = input.draft[i]!;
  const pTok = knownProbability(positionView(input.target, input, i, 'target'), token)!;
  const sTok = knownProbability(positionView(input.reference, input, i, 'reference'), token)!;
  return { pTok, sTok };
}

/**
 * a_i = min(1, p_i(y_i)/(s_i(y_i)·c)) for every draft position (sampled mode),
 * or 1/0 for "p/s ≥ τ" (greedy mode): the probability that y_i passes the ratio
 * test given that it is reached. verifyDraft uses exactly these numbers.
 */
export function acceptanceProbabilities(input: ScoredDraft): number[] {
  assertScoredDraft(input);
  return input.draft.map((_, i) => positionAcceptance(input, i));
}

function positionAcceptance(input: ScoredDraft, i: number): number {
  const { pTok, sTok } = draftTokenScores(input, i);
  const { leniency, tau } = input.sampling;
  if (isGreedy(input.sampling)) return ratioTestGreedy(pTok, sTok, tau) ? 1 : 0;
  return acceptProbability(pTok, sTok, leniency);
}

/**
 * Accept the longest prefix of the draft that passes the ratio test (one u_i
 * per tested token in sampled mode, none in greedy mode) and return the
 * correction at the position after it: the first rejected position, or k+1.
 */
export function verifyDraft(input: VerifyDraftInput): Verdict {
  assertScoredDraft(input);
  const k = input.draft.length;
  const greedy = isGreedy(input.sampling);
  let accepted = 0;
  while (accepted < k) {
    const a = positionAcceptance(input, accepted);
    const passes = greedy ? a === 1 : ratioTestSampled(a, input.uniform());
    if (!passes) break;
    accepted++;
  }
  return { accepted, correction: correctionOf(input, accepted) };
}

/**
 * The correction a verdict with `accepted` accepted tokens carries: at the
 * first rejected position (its token scored exactly), or at k+1.
 */
export function correctionAt(input: ScoredDraft, accepted: number): Correction {
  assertScoredDraft(input);
  if (!Number.isInteger(accepted) || accepted < 0 || accepted > input.draft.length) {
    throw new MathInputError(
      'invalid_draft',
      `accepted must be an integer in [0, ${input.draft.length}], got ${accepted}`,
    );
  }
  return correctionOf(input, accepted);
}

function correctionOf(input: ScoredDraft, accepted: number): Correction {
  const target = positionView(input.target, input, accepted, 'target');
  const reference = positionView(input.reference, input, accepted, 'reference');
  return buildCorrection(target, reference);
}

/** The draft token rejected by a verdict, or null when the whole draft was accepted. */
export function rejectedToken(draft: readonly TokenId[], verdict: Verdict): TokenId | null {
  return verdict.accepted < draft.length ? draft[verdict.accepted]! : null;
}
