import { describe, expect, it } from 'vitest';
import { randomNgramTable } from '../testing/probabilityTable.ts';
import { TableDrafter } from '../testing/tableDrafter.ts';
import { TABLE_TOKENIZER_FINGERPRINT, tableVerifier } from '../testing/tableVerifier.ts';
import { inMemoryTransportFactory } from '../transport/inMemoryTransport.ts';
import { runSpecSteer } from './specSteerSession.ts';

const V = 6;
const p = randomNgramTable({ vocabSize: V, seed: 41, sharpness: 1.5 });
const s = randomNgramTable({ vocabSize: V, seed: 42, sharpness: 1.5 });
const PUBLIC = [0, 2, 3];
/** Private tokens first; the tables look at the last two tokens, so q = s at every position. */
const CONTEXT = [0, 5, 5, 1, 2, 3];

/** Pearson's statistic of observed counts against expected probabilities. */
function chiSquare(counts: number[], probs: ArrayLike<number>): number {
  const n = counts.reduce((a, b) => a + b, 0);
  return counts.reduce((sum, c, y) => sum + (c - n * probs[y]!) ** 2 / (n * probs[y]!), 0);
}
/** χ² quantile at 0.999 for 5 degrees of freedom: a correct sampler fails 1 in 1000 seed sets. */
const CHI2_5DF_999 = 20.515;

describe('emitted distribution of the full loop', () => {
  it('emits exactly p as the first token when the device has no private evidence (q = s), at top-2', async () => {
    const verifier = tableVerifier({ vocabSize: V, target: p });
    const connect = inMemoryTransportFactory(() => verifier.newConversation());
    const counts = new Array<number>(V).fill(0);
    const sessions = 1200;
    for (let seed = 0; seed < sessions; seed++) {
      const result = await runSpecSteer({
        connect,
        drafter: new TableDrafter({ vocabSize: V, table: s }),
        context: { device: CONTEXT, public: PUBLIC },
        reproducible: true,
        prompt: { tokens: PUBLIC },
        tokenizerFingerprint: TABLE_TOKENIZER_FINGERPRINT,
        // Top-2 corrections: the tail sample keeps the law exact below K = V.
        sampling: { temperature: 1, seed, topK: 2, maxTokens: 2 },
        draftTokens: 2,
      });
      counts[result.tokens[0]!]!++;
    }
    const expected = p(PUBLIC);
    const statistic = chiSquare(counts, expected);
    expect(statistic).toBeLessThan(CHI2_5DF_999);
    // And the test has power: the same counts are far from the draft distribution s.
    expect(chiSquare(counts, s(PUBLIC))).toBeGreaterThan(CHI2_5DF_999);
  });
});
