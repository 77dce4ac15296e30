import { describe, expect, it } from 'vitest';
import { chooseDraftToken } from '../math/draft.ts';
import { fusionTarget } from '../math/fusion.ts';
import { deviceSecretFromSeed, deviceStream } from '../rng.ts';
import { argmax } from '../math/categorical.ts';
import { runExactFusion } from './exactFusion.ts';
import { randomNgramTable } from '../testing/probabilityTable.ts';
import { TableDrafter } from '../testing/tableDrafter.ts';
import { TableScorer } from '../testing/tableScorer.ts';
import { TABLE_TOKENIZER_FINGERPRINT, tableVerifier } from '../testing/tableVerifier.ts';
import { inMemoryTransportFactory } from '../transport/inMemoryTransport.ts';
import { runSpecSteer } from '../session/specSteerSession.ts';
import { runCloudOnly } from './cloudOnly.ts';
import { runLocalOnly } from './localOnly.ts';
import { runTokenFusion } from './tokenFusion.ts';

const V = 10;
const STOP = 9;
const p = randomNgramTable({ vocabSize: V, seed: 5 });
const s = randomNgramTable({ vocabSize: V, seed: 6 });
const q = randomNgramTable({ vocabSize: V, seed: 7 });
const PUBLIC = [0, 1, 2];
const CONTEXT = [0, 4, 4, 1, 2];
const sampling = { temperature: 1, seed: 12, topK: V, maxTokens: 30, stopTokens: [STOP] };

function connection() {
  const verifier = tableVerifier({ vocabSize: V, target: p });
  return inMemoryTransportFactory(() => verifier.newConversation());
}

describe('baselines over the same interfaces', () => {
  it('local-only samples q with the drafter and uses no network', async () => {
    const result = await runLocalOnly({
      drafter: new TableDrafter({ vocabSize: V, table: q }),
      contextTokens: CONTEXT,
      sampling,
    });
    const rng = deviceStream(deviceSecretFromSeed(sampling.seed), 0, 'local-only');
    const expected: number[] = [];
    while (expected.length < sampling.maxTokens && expected.at(-1) !== STOP) {
      expected.push(chooseDraftToken(q([...CONTEXT, ...expected]), 1, () => rng.uniform()));
    }
    expect(result.tokens).toEqual(expected);
    expect(result.origins.every((o) => o === 'local')).toBe(true);
    expect(result.metrics).toMatchObject({
      method: 'local-only',
      roundTrips: 0,
      rounds: 0,
      tokens: expected.length,
    });
    expect(result.finish).toBe(expected.at(-1) === STOP ? 'stop' : 'length');
  });

  it('cloud-only samples p on the public context in one round trip', async () => {
    const target = new TableScorer({ vocabSize: V, table: p });
    const result = await runCloudOnly({ target, promptTokens: PUBLIC, sampling });
    expect(result.metrics).toMatchObject({
      method: 'cloud-only',
      roundTrips: 1,
      rounds: 0,
      tokens: result.tokens.length,
    });
    expect(result.origins.every((o) => o === 'cloud')).toBe(true);
    expect(result.tokens.length).toBeLessThanOrEqual(sampling.maxTokens);
    expect(target.openSessions).toBe(0);
    // Greedy cloud-only is the argmax chain of p.
    const greedy = await runCloudOnly({
      target,
      promptTokens: PUBLIC,
      sampling: { ...sampling, temperature: 0, maxTokens: 5, stopTokens: [] },
    });
    const chain: number[] = [];
    for (let i = 0; i < 5; i++) {
      const probs = p([...PUBLIC, ...chain]);
      chain.push(probs.indexOf(Math.max(...probs)));
    }
    expect(greedy.tokens).toEqual(chain);
  });

  it('token-level fusion spends one round per token and recovers every token from the correction', async () => {
    const result = await runTokenFusion({
      connect: connection(),
      drafter: new TableDrafter({ vocabSize: V, table: q, reference: s }),
      context: { device: CONTEXT, public: PUBLIC },
      prompt: { tokens: PUBLIC },
      tokenizerFingerprint: TABLE_TOKENIZER_FINGERPRINT,
      sampling,
    });
    const { metrics } = result;
    expect(metrics.method).toBe('token-fusion');
    expect(metrics.rounds).toBe(result.tokens.length);
    expect(metrics.roundTrips).toBe(result.tokens.length + 1); // + the pipelined hello/open exchange
    expect(metrics.draftedPerRound.every((d) => d === 0)).toBe(true);
    expect(metrics.acceptanceRate).toBe(0);
    expect(result.origins.every((o) => o === 'corrected' || o === 'steered')).toBe(true);
  });

  it('all methods report the same metrics shape, and SpecSteer needs fewer round trips than token fusion', async () => {
    const common = {
      connect: connection(),
      context: { device: CONTEXT, public: PUBLIC },
      prompt: { tokens: PUBLIC },
      tokenizerFingerprint: TABLE_TOKENIZER_FINGERPRINT,
      sampling: { ...sampling, maxTokens: 40, stopTokens: [] },
    };
    const spec = await runSpecSteer({
      ...common,
      drafter: new TableDrafter({ vocabSize: V, table: s }),
      draftTokens: 6,
    });
    const fusion = await runTokenFusion({
      ...common,
      drafter: new TableDrafter({ vocabSize: V, table: s }),
    });
    const local = await runLocalOnly({
      drafter: new TableDrafter({ vocabSize: V, table: q }),
      contextTokens: CONTEXT,
      sampling: common.sampling,
    });
    const cloud = await runCloudOnly({
      target: new TableScorer({ vocabSize: V, table: p }),
      promptTokens: PUBLIC,
      sampling: common.sampling,
    });
    const keys = Object.keys(spec.metrics).sort();
    for (const other of [fusion, local, cloud])
      expect(Object.keys(other.metrics).sort()).toEqual(keys);
    expect(spec.tokens).toHaveLength(40);
    expect(fusion.tokens).toHaveLength(40);
    expect(spec.metrics.roundTrips).toBeLessThan(fusion.metrics.roundTrips);
  });

  it('token-level fusion emits exactly π = p·(q/s) normalized as its first token (χ², K = V)', async () => {
    const W = 5;
    const pW = randomNgramTable({ vocabSize: W, seed: 51, sharpness: 1.5 });
    const sW = randomNgramTable({ vocabSize: W, seed: 52, sharpness: 1.5 });
    const qW = randomNgramTable({ vocabSize: W, seed: 53, sharpness: 1.5 });
    const verifier = tableVerifier({ vocabSize: W, target: pW });
    const connect = inMemoryTransportFactory(() => verifier.newConversation());
    const counts = new Array<number>(W).fill(0);
    const runs = 1000;
    for (let seed = 0; seed < runs; seed++) {
      const result = await runTokenFusion({
        connect,
        drafter: new TableDrafter({ vocabSize: W, table: qW, reference: sW }),
        context: { device: [0, 3, 1, 2], public: [0, 1, 2] },
        reproducible: true,
        prompt: { tokens: [0, 1, 2] },
        tokenizerFingerprint: TABLE_TOKENIZER_FINGERPRINT,
        sampling: { temperature: 1, seed, topK: W, maxTokens: 1 },
      });
      counts[result.tokens[0]!]!++;
    }
    const pi = fusionTarget(pW([0, 1, 2]), qW([0, 1, 2]), sW([0, 1, 2]), 1);
    const chi2 = (probs: ArrayLike<number>) =>
      counts.reduce((sum, c, y) => sum + (c - runs * probs[y]!) ** 2 / (runs * probs[y]!), 0);
    const CHI2_4DF_999 = 18.467;
    expect(chi2(pi)).toBeLessThan(CHI2_4DF_999);
    expect(chi2(pW([0, 1, 2]))).toBeGreaterThan(CHI2_4DF_999); // π is measurably not p here
  });

  it('exact π decodes argmax π from full distributions in greedy mode, token by token', async () => {
    const result = await runExactFusion({
      drafter: new TableDrafter({ vocabSize: V, table: q, reference: s }),
      context: { device: CONTEXT, public: PUBLIC },
      target: new TableScorer({ vocabSize: V, table: p }),
      sampling: { ...sampling, temperature: 0, maxTokens: 8, stopTokens: [] },
    });
    const chain: number[] = [];
    while (chain.length < 8) {
      chain.push(
        argmax(
          fusionTarget(
            p([...PUBLIC, ...chain]),
            q([...CONTEXT, ...chain]),
            s([...PUBLIC, ...chain]),
            1,
          ),
        ),
      );
    }
    expect(result.tokens).toEqual(chain);
    expect(result.origins.every((o) => o === 'exact')).toBe(true);
    expect(result.metrics.method).toBe('exact-fusion');
  });
});
