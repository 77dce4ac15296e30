// Test support: the exact distribution of what one Draft–Verify–Recover round
// emits, by enumerating every draft sequence and every branch of the
// accept/reject tree, through the same functions verifyDraft and recoverToken use.

import type { SamplingParams, TokenId } from '../types.ts';
import { acceptanceProbabilities, correctionAt } from '../verify.ts';
import { recoveryDistribution } from '../recover.ts';
import { temperDistribution } from '../temperature.ts';
import { scoreDraft, type TableModel } from './explicit-scores.ts';

export interface RoundModels {
  /** p: the cloud's large model. */
  target: TableModel;
  /** s: the cloud's public copy of the small model. */
  reference: TableModel;
  /** q: the device's small model with private context. */
  draft: TableModel;
}

/** Probability of each emitted block (accepted prefix + one correction token), keyed "a,b,c". */
export type BlockDistribution = Map<string, number>;

/**
 * Enumerate drafts y_1..y_k with their q-probability; for each, the branch
 * "accept y_1..y_j, reject y_{j+1}" has weight a_1…a_j·(1 − a_{j+1}) and then
 * emits a recovery token from R, and "accept all" emits a bonus from π.
 */
export function emittedBlocks(
  models: RoundModels,
  k: number,
  sampling: SamplingParams,
  vocabSize: number,
): BlockDistribution {
  const blocks: BlockDistribution = new Map();
  const add = (tokens: readonly TokenId[], mass: number): void => {
    const key = tokens.join(',');
    blocks.set(key, (blocks.get(key) ?? 0) + mass);
  };
  // The device drafts from q at the session's temperature (chooseDraftToken) and hands recovery the raw q.
  const draftLaw: TableModel = (context) =>
    sampling.temperature === 1
      ? models.draft(context)
      : temperDistribution(models.draft(context), sampling.temperature);
  forEachDraft(draftLaw, k, vocabSize, (draft, draftMass) => {
    const scored = {
      draft: [...draft],
      target: scoreDraft(models.target, [], draft, sampling.topK),
      reference: scoreDraft(models.reference, [], draft, sampling.topK),
      sampling,
      vocabSize,
    };
    const accept = acceptanceProbabilities(scored);
    let reach = draftMass;
    for (let j = 0; j <= k; j++) {
      const branch = j < k ? reach * (1 - accept[j]!) : reach;
      if (branch > 0) {
        const recovery = recoveryDistribution({
          correction: correctionAt(scored, j),
          q: models.draft(draft.slice(0, j)),
          rejectedToken: j < k ? draft[j]! : null,
          sampling,
        });
        recovery.forEach((r, z) => {
          if (r > 0) add([...draft.slice(0, j), z], branch * r);
        });
      }
      if (j < k) reach *= accept[j]!;
    }
  });
  return blocks;
}

function forEachDraft(
  draftModel: TableModel,
  k: number,
  vocabSize: number,
  visit: (draft: TokenId[], mass: number) => void,
  prefix: TokenId[] = [],
  mass = 1,
): void {
  if (prefix.length === k) {
    visit(prefix, mass);
    return;
  }
  const q = draftModel(prefix);
  for (let y = 0; y < vocabSize; y++) {
    if (q[y]! > 0) forEachDraft(draftModel, k, vocabSize, visit, [...prefix, y], mass * q[y]!);
  }
}

/**
 * The round is exact for a per-position law `chain` (p, or the analytic D)
 * iff, for every sequence z of length k+1, "emit one block, then continue from
 * `chain`" gives z with probability Π chain(z_i | z_<i). Returns the largest
 * absolute difference over all such z.
 */
export function largestCompletionError(
  blocks: BlockDistribution,
  chain: TableModel,
  k: number,
  vocabSize: number,
): number {
  let worst = 0;
  const visit = (z: TokenId[], chainMass: number[]): void => {
    if (z.length === k + 1) {
      // chainMass[i] = Π_{j<i} chain(z_j | z_<j): the law the round must reproduce.
      let viaRound = 0;
      for (let m = 1; m <= k + 1; m++) {
        const block = blocks.get(z.slice(0, m).join(','));
        if (block === undefined) continue;
        let rest = 1;
        for (let i = m; i <= k; i++) rest *= chain(z.slice(0, i))[z[i]!]!;
        viaRound += block * rest;
      }
      worst = Math.max(worst, Math.abs(viaRound - chainMass[k + 1]!));
      return;
    }
    const next = chain(z);
    for (let y = 0; y < vocabSize; y++)
      visit([...z, y], [...chainMass, chainMass[z.length]! * next[y]!]);
  };
  visit([], [1]);
  return worst;
}

/** The distribution of the first emitted token of a round. */
export function firstTokenDistribution(blocks: BlockDistribution, vocabSize: number): Float64Array {
  const first = new Float64Array(vocabSize);
  for (const [key, mass] of blocks) first[Number(key.split(',')[0])]! += mass;
  return first;
}

/**
 * The first emitted token's law without building the block table (which has
 * V^(k+1) entries): for k ≥ 1 it is Σ_y q(y)·[a(y)·δ_y + (1 − a(y))·R_y], with
 * R_y the recovery law after rejecting y; for k = 0 it is the bonus law π.
 */
export function firstEmittedToken(
  models: RoundModels,
  k: number,
  sampling: SamplingParams,
  vocabSize: number,
): Float64Array {
  const q = models.draft([]);
  const scored = (draft: TokenId[]) => ({
    draft,
    target: scoreDraft(models.target, [], draft, sampling.topK),
    reference: scoreDraft(models.reference, [], draft, sampling.topK),
    sampling,
    vocabSize,
  });
  if (k === 0) {
    return recoveryDistribution({
      correction: correctionAt(scored([]), 0),
      q,
      rejectedToken: null,
      sampling,
    });
  }
  const draftLaw = sampling.temperature === 1 ? q : temperDistribution(q, sampling.temperature);
  const first = new Float64Array(vocabSize);
  for (let y = 0; y < vocabSize; y++) {
    const mass = draftLaw[y]!;
    if (mass === 0) continue;
    const round = scored([y]);
    const accept = acceptanceProbabilities(round)[0]!;
    first[y]! += mass * accept;
    if (accept === 1) continue;
    const recovery = recoveryDistribution({
      correction: correctionAt(round, 0),
      q,
      rejectedToken: y,
      sampling,
    });
    for (let z = 0; z < vocabSize; z++) first[z]! += mass * (1 - accept) * recovery[z]!;
  }
  return first;
}
