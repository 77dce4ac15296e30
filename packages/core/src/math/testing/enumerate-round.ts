// Test support: the exact distribution of what one Draft–Verify–Recover round
// emits, by enumerating every draft sequence, every branch of the
// accept/reject tree and every tail sample the server could draw, through the
// same functions draftCorrections and sampledCommit use.

import type { SamplingParams, TokenId } from '../types.ts';
import { buildCorrection, fuseCorrection } from '../correction.ts';
import { greedyCommit, residual, type RoundPosition } from '../recover.ts';
import { temperDistribution } from '../temperature.ts';
import { scoreOf, tempered, type TableModel } from './explicit-scores.ts';

export interface RoundModels {
  /** p: the cloud's large model. */
  target: TableModel;
  /** s: the small model on the public context (computed by the device). */
  reference: TableModel;
  /** q: the device's small model with private context. */
  draft: TableModel;
}

/** Probability of each emitted block (accepted prefix + one correction token), keyed "a,b,c". */
export type BlockDistribution = Map<string, number>;

/**
 * The device's view of position j of a draft: π̂ from the server's correction
 * (built by buildCorrection from p_T, with the draft token there) and the
 * acceptance a. With `tailSample` the server's tail draw is replaced by its
 * expectation (π̂ is linear in where it lands), so laws are exact over draws.
 */
function positionView(
  models: RoundModels,
  context: readonly TokenId[],
  token: TokenId | null,
  sampling: SamplingParams,
  vocabSize: number,
  tailSample: boolean,
) {
  const p = tempered(models.target, sampling.temperature)(context);
  const q = tempered(models.draft, sampling.temperature)(context);
  const s = tempered(models.reference, sampling.temperature)(context);
  const correction = buildCorrection(
    scoreOf(p, token, sampling.topK),
    token,
    sampling.topK,
    vocabSize,
    null,
  );
  const view = fuseCorrection(correction, q, s, sampling.alpha, tailSample ? p : undefined);
  return { ...view, q };
}

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
  tailSample = true,
): BlockDistribution {
  const blocks: BlockDistribution = new Map();
  const add = (tokens: readonly TokenId[], mass: number): void => {
    const key = tokens.join(',');
    blocks.set(key, (blocks.get(key) ?? 0) + mass);
  };
  // The device drafts from q at the session's temperature (chooseDraftToken).
  const draftLaw: TableModel = (context) =>
    sampling.temperature === 1
      ? models.draft(context)
      : temperDistribution(models.draft(context), sampling.temperature);
  forEachDraft(draftLaw, k, vocabSize, (draft, draftMass) => {
    let reach = draftMass;
    for (let j = 0; j <= k; j++) {
      const token = j < k ? draft[j]! : null;
      const view = positionView(models, draft.slice(0, j), token, sampling, vocabSize, tailSample);
      const accept = token === null ? 1 : view.acceptance(token);
      const branch = token === null ? reach : reach * (1 - accept);
      if (branch > 0) {
        (token === null ? view.pi : residual(view.pi, view.q, view.acceptance)).forEach(
          (r: number, z: number) => {
            if (r > 0) add([...draft.slice(0, j), z], branch * r);
          },
        );
      }
      reach *= accept;
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
 * R_y the recovery law after rejecting y; for k = 0 it is the bonus law π̂.
 */
export function firstEmittedToken(
  models: RoundModels,
  k: number,
  sampling: SamplingParams,
  vocabSize: number,
  tailSample = true,
): Float64Array {
  if (k === 0) return positionView(models, [], null, sampling, vocabSize, tailSample).pi;
  const q = tempered(models.draft, sampling.temperature)([]);
  const first = new Float64Array(vocabSize);
  for (let y = 0; y < vocabSize; y++) {
    const mass = q[y]!;
    if (mass === 0) continue;
    const view = positionView(models, [], y, sampling, vocabSize, tailSample);
    const accept = view.acceptance(y);
    first[y]! += mass * accept;
    if (accept === 1) continue;
    const recovery = residual(view.pi, view.q, view.acceptance);
    for (let z = 0; z < vocabSize; z++) first[z]! += mass * (1 - accept) * recovery[z]!;
  }
  return first;
}

/** Greedy mode: what the device commits for `draft`, from the corrections the server sends. */
export function greedyRound(
  models: RoundModels,
  draft: TokenId[],
  topK: number,
  alpha: number,
  vocabSize: number,
) {
  const positions: RoundPosition[] = Array.from({ length: draft.length + 1 }, (_, i) => {
    const context = draft.slice(0, i);
    const token = i < draft.length ? draft[i]! : null;
    return {
      correction: buildCorrection(
        scoreOf(models.target(context), token, topK),
        token,
        topK,
        vocabSize,
        null,
      ),
      q: models.draft(context),
      s: models.reference(context),
    };
  });
  return greedyCommit(draft, positions, alpha);
}
