// Fidelity of each method's emitted law to the fusion target π, computed
// exactly at answer positions (p, q, s at T = 1 from exact-π decoding):
// SpecSteer's law is core's protocolLaw (draft, acceptance test, recovery,
// tail sample); token-level fusion emits the bonus law π̂ of a top-K
// correction; cloud-only emits p's top-K renormalized; local-only emits q;
// exact π emits π. TV(emitted, π) = ½ Σ |emitted − π|.

import { fusionTarget, protocolLaw, temperDistribution, totalVariation } from '@specsteer/core';

export interface Position {
  p: Float64Array;
  q: Float64Array;
  s: Float64Array;
}

export interface TvSummary {
  mean: number;
  p99: number;
  max: number;
}

export interface MethodFidelity {
  temperature: number;
  topK: number;
  alpha: number;
  positions: number;
  /** TV(emitted law, π) per method (SpecSteer's three variants share one law). */
  specsteer: TvSummary;
  tokenFusion: TvSummary;
  cloudOnly: TvSummary;
  localOnly: TvSummary;
  exactPi: TvSummary;
}

export interface TvByK {
  temperature: number;
  topK: number;
  /** Corrections carry a tail sample (the embedded llama.cpp backend) or not (vLLM). */
  tailSample: boolean;
  tv: TvSummary;
}

export function summarize(values: readonly number[]): TvSummary {
  if (values.length === 0) return { mean: 0, p99: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  return {
    mean: values.reduce((a, b) => a + b, 0) / values.length,
    p99: sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))]!,
    max: sorted.at(-1)!,
  };
}

function tempered(position: Position, temperature: number): Position {
  if (temperature === 1) return position;
  return {
    p: temperDistribution(position.p, temperature),
    q: temperDistribution(position.q, temperature),
    s: temperDistribution(position.s, temperature),
  };
}

/** p restricted to its top-K and renormalized: what cloud-only samples. */
function topKRenormalized(p: Float64Array, topK: number): Float64Array {
  const order = Array.from(p.keys()).sort((a, b) => p[b]! - p[a]! || a - b);
  const out = new Float64Array(p.length);
  let total = 0;
  for (const id of order.slice(0, topK)) total += p[id]!;
  for (const id of order.slice(0, topK)) out[id] = p[id]! / total;
  return out;
}

export function methodFidelity(
  positions: readonly Position[],
  settings: { temperature: number; topK: number; alpha: number; tailSample: boolean },
): MethodFidelity {
  const tv = { specsteer: [], tokenFusion: [], cloudOnly: [], localOnly: [] } as Record<
    'specsteer' | 'tokenFusion' | 'cloudOnly' | 'localOnly',
    number[]
  >;
  for (const raw of positions) {
    const { p, q, s } = tempered(raw, settings.temperature);
    const pi = fusionTarget(p, q, s, settings.alpha);
    const law = protocolLaw({
      p,
      q,
      s,
      alpha: settings.alpha,
      topK: settings.topK,
      tailSample: settings.tailSample,
    });
    tv.specsteer.push(totalVariation(law.emitted, pi));
    tv.tokenFusion.push(totalVariation(law.bonus, pi));
    tv.cloudOnly.push(totalVariation(topKRenormalized(p, settings.topK), pi));
    tv.localOnly.push(totalVariation(q, pi));
  }
  return {
    temperature: settings.temperature,
    topK: settings.topK,
    alpha: settings.alpha,
    positions: positions.length,
    specsteer: summarize(tv.specsteer),
    tokenFusion: summarize(tv.tokenFusion),
    cloudOnly: summarize(tv.cloudOnly),
    localOnly: summarize(tv.localOnly),
    exactPi: { mean: 0, p99: 0, max: 0 },
  };
}

/** SpecSteer's TV(emitted, π) by top-K, with and without tail samples, per temperature. */
export function tvByTopK(
  positions: readonly Position[],
  temperatures: readonly number[],
  topKs: readonly number[],
  alpha: number,
  onStep?: () => void,
): TvByK[] {
  const rows: TvByK[] = [];
  for (const temperature of temperatures) {
    const laws = positions.map((position) => tempered(position, temperature));
    const targets = laws.map(({ p, q, s }) => fusionTarget(p, q, s, alpha));
    for (const topK of topKs) {
      for (const tailSample of [true, false]) {
        const tv = laws.map((law, j) =>
          totalVariation(protocolLaw({ ...law, alpha, topK, tailSample }).emitted, targets[j]!),
        );
        rows.push({ temperature, topK, tailSample, tv: summarize(tv) });
        onStep?.();
      }
    }
  }
  return rows;
}
