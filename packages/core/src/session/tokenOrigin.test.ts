import { describe, expect, it } from 'vitest';
import { mixTables, randomNgramTable, type ProbabilityTable } from '../testing/probabilityTable.ts';
import { TableDrafter } from '../testing/tableDrafter.ts';
import { TABLE_TOKENIZER_FINGERPRINT, tableVerifier } from '../testing/tableVerifier.ts';
import { inMemoryTransportFactory } from '../transport/inMemoryTransport.ts';
import type { GenerationSampling } from './generationResult.ts';
import { runSpecSteer } from './specSteerSession.ts';
import type { TokenOrigin } from './tokenOrigin.ts';

const V = 10;
const p = randomNgramTable({ vocabSize: V, seed: 61 });
const s = randomNgramTable({ vocabSize: V, seed: 62 });
const shifted = mixTables(s, randomNgramTable({ vocabSize: V, seed: 63, sharpness: 5 }), 0.6);

async function origins(
  q: ProbabilityTable,
  sampling: Partial<GenerationSampling>,
): Promise<TokenOrigin[]> {
  const all: TokenOrigin[] = [];
  const verifier = tableVerifier({ vocabSize: V, target: p });
  for (let seed = 0; seed < 8; seed++) {
    const result = await runSpecSteer({
      connect: inMemoryTransportFactory(() => verifier.newConversation()),
      drafter: new TableDrafter({ vocabSize: V, table: q, reference: s }),
      context: { device: [0, 1, 2], public: [0, 1, 2] },
      prompt: { tokens: [0, 1, 2] },
      tokenizerFingerprint: TABLE_TOKENIZER_FINGERPRINT,
      sampling: { temperature: 1, seed, topK: V, maxTokens: 30, ...sampling },
      draftTokens: 3,
    });
    all.push(...result.origins);
  }
  return all;
}

const count = (list: TokenOrigin[], origin: TokenOrigin) => list.filter((o) => o === origin).length;

describe('token origins', () => {
  it('never marks a token steered without a private shift (q = s), sampled or greedy', async () => {
    for (const temperature of [1, 0.7, 0]) {
      const list = await origins(s, { temperature });
      expect(count(list, 'steered')).toBe(0);
      expect(count(list, 'corrected')).toBeGreaterThan(0);
    }
  });

  it('marks steered tokens when the private context shifts q, and none at α = 0', async () => {
    const steered = await origins(shifted, { alpha: 1 });
    expect(count(steered, 'steered')).toBeGreaterThan(5);
    expect(count(steered, 'accepted')).toBeGreaterThan(0);
    expect(count(await origins(shifted, { alpha: 0 }), 'steered')).toBe(0);
    expect(count(await origins(shifted, { temperature: 0, alpha: 2 }), 'steered')).toBeGreaterThan(
      0,
    );
  });
});
